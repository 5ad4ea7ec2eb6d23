/**
 * `regex`: the reply matches `options.pattern` (JavaScript syntax, with `options.flags`), or with
 * `options.match: false` must not match it. Runs only where a pattern is configured.
 */
import { errorMessage } from '../../core/errors.ts';
import type { Evaluator } from '../contracts.ts';
import { booleanOption, graded, invalidOption, missingOption, noReplyReason, stringOption, thresholdOf } from './shared.ts';

export const regex: Evaluator = {
  name: 'regex',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (_c, setting) => setting.options?.pattern !== undefined,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(regex, c, setting);
    const pattern = stringOption(regex, c, setting, 'pattern');
    if (pattern === undefined) throw missingOption(regex, c, 'pattern', 'the regular expression the reply must match');
    // `g` and `y` make test() depend on lastIndex; one match anywhere is the question asked.
    const flags = (stringOption(regex, c, setting, 'flags') ?? '').replace(/[gy]/g, '');
    const mustMatch = booleanOption(regex, c, setting, 'match') ?? true;
    let re: RegExp;
    try {
      re = new RegExp(pattern, flags);
    } catch (err) {
      throw invalidOption(regex, c, 'pattern', `is not a valid regular expression: ${errorMessage(err)}`);
    }
    const shown = `/${pattern}/${flags}`;
    if (out.reply === null) {
      return graded(regex.name, mustMatch ? 0 : 1, threshold, `${noReplyReason(out)}${mustMatch ? `, nothing matches ${shown}` : ''}`);
    }
    const m = re.exec(out.reply);
    const ok = (m !== null) === mustMatch;
    const reason = m ? `matches ${shown} at ${JSON.stringify(m[0].slice(0, 80))}` : `does not match ${shown}`;
    return graded(regex.name, ok ? 1 : 0, threshold, mustMatch ? reason : `${reason}${ok ? ', as required' : ', which it must not'}`);
  },
};
