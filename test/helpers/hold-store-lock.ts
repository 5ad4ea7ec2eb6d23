/**
 * Run as a separate process by the lock tests: takes the embedded store's lock as `agentproof
 * serve` would, records the URL, says "locked" and waits until it is killed.
 */
import { acquireStoreLock } from '../../src/store/lock.ts';

const [dataDir, url] = process.argv.slice(2);
const lock = await acquireStoreLock(dataDir, 'agentproof serve');
if (url) await lock.setOwnerUrl(url);
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
