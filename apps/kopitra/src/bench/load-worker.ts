// One thread of the bench's load generator (see parallel-load.ts): its own keep-alive sockets,
// a closed loop per target for the seconds asked, the counts posted back. Ended by terminate().
import { parentPort } from 'node:worker_threads';
import { SignedHttp, throughput, type Target } from './load';

interface Job { targets: Target[]; path: string; seconds: number }

const port = parentPort!;
let http: SignedHttp | undefined;
port.on('message', (msg: { job: Job }) => {
  const { targets, path, seconds } = msg.job;
  http ??= new SignedHttp(targets.length + 64);
  void throughput(http, targets, path, seconds).then((r) => port.postMessage(r), (e: unknown) => port.postMessage({ error: String(e) }));
});
port.postMessage({ ready: true });
