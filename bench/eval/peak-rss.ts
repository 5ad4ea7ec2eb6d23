/**
 * Preloaded with `--import` into a process the bench does not write (promptfoo), to learn its peak
 * resident memory: written, in MB, to the file named by BENCH_PEAK_RSS_FILE as the process exits.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_RSS_FILE;
// A process this one starts would otherwise write over the figure as it exits.
delete process.env.BENCH_PEAK_RSS_FILE;
if (file) process.once('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS / 1024)));
