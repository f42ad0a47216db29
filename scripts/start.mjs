// `npm start`: install what is missing, build, and serve the dashboard (with the
// cross-origin isolation headers from next.config.ts) at http://localhost:3000.
import { spawn } from 'node:child_process';
import { ensureNodeModules, nextEnv, root, run } from './setup.mjs';

const port = process.env.PORT ?? '3000';
try {
  ensureNodeModules();
  console.log('[start] building…');
  run('npx', ['next', 'build']);
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const server = spawn('npx', ['next', 'start', '-p', port], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: nextEnv });
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes('Ready')) console.log(`\n  Bandscope is running at http://localhost:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
