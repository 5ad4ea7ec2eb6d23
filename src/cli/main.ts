#!/usr/bin/env node
import { Command } from 'commander';
import { register as registerChat } from './commands/chat.ts';
import { register as registerIngest } from './commands/ingest.ts';
import { register as registerKnowledge } from './commands/knowledge.ts';
import { register as registerRouter } from './commands/router.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerTrace } from './commands/trace.ts';
import { register as registerTraces } from './commands/traces.ts';
import { register as registerApprovals } from './commands/approvals.ts';
import { register as registerValidate } from './commands/validate.ts';
import { register as registerTest } from './commands/test.ts';
import { register as registerSuite } from './commands/suite.ts';

const program = new Command('agentproof')
  .description('Build, trace, test and tune AI agents — self-hosted.')
  .version('0.1.0')
  .enablePositionalOptions()
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

for (const register of [registerServe, registerChat, registerIngest, registerValidate, registerTraces, registerTrace, registerApprovals, registerRouter, registerKnowledge, registerTest, registerSuite]) {
  register(program);
}

await program.parseAsync(process.argv);
