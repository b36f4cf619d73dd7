#!/usr/bin/env node
import { loadPlatformConfig } from './config';

/** `kopitra up | demo | bench` */
async function main(): Promise<void> {
  const command = process.argv[2] ?? 'up';
  let config;
  try {
    config = loadPlatformConfig(process.env);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (command === 'up') {
    const { runUp } = await import('./up');
    await runUp(config);
  } else if (command === 'demo') {
    const { runDemo } = await import('./demo');
    await runDemo(config);
  } else if (command === 'bench') {
    const { runBench } = await import('./bench');
    await runBench(config, process.argv.slice(3));
  } else {
    console.error(`unknown command '${command}': use up, demo or bench`);
    process.exit(2);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
