import { errorMessage } from '../../core/errors.ts';
import type { TurnTracer } from '../../trace/tracer.ts';
import { invokeAction, validateActionArgs } from '../actions/invoke.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import type { PlannedCall } from './types.ts';

export type ToolOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Runs one action call with validated arguments under its own span. A failure is returned, not
 * thrown: the model loop shows it to the model, the local policy reports it to the user, and the
 * trace keeps the error either way.
 */
export async function runTool(agent: PreparedAgent, call: PlannedCall, tracer: TurnTracer, ctx: { sessionId: string; approvalId?: string }): Promise<ToolOutcome> {
  const span = tracer.start('tool', call.name, call.args);
  span.set({ 'tool.name': call.name, 'tool.call_id': call.id, ...(ctx.approvalId ? { approval_id: ctx.approvalId } : {}) });
  const action = agent.actions.get(call.name);
  if (!action) {
    const error = `unknown action "${call.name}"`;
    span.end({ status: 'error', error });
    return { ok: false, error };
  }
  const checked = validateActionArgs(action, call.args);
  if (!checked.ok) {
    const error = `invalid arguments for ${call.name}: ${checked.issues.map((i) => `${i.path ?? ''} ${i.message}`.trim()).join('; ')}`;
    span.end({ status: 'error', error });
    return { ok: false, error };
  }
  try {
    const result = await invokeAction(agent, action, checked.value, { sessionId: ctx.sessionId });
    span.end({ output: result });
    return { ok: true, result };
  } catch (err) {
    span.fail(err);
    return { ok: false, error: errorMessage(err) };
  }
}
