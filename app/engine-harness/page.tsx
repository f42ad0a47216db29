// Test-only route for e2e/engine.spec.ts: runs one window of the built-in model in the engine worker.
import { EngineHarnessPanel } from './EngineHarnessPanel';

export const metadata = { title: 'Bandscope engine harness', robots: { index: false } };

export default function EngineHarnessPage() {
  return (
    <main className="p-6 font-mono text-sm">
      <h1 className="mb-4 text-lg">Engine harness (test-only)</h1>
      <EngineHarnessPanel />
    </main>
  );
}
