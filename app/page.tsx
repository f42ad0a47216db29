export default function Home() {
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">Bandscope</h1>
      <p className="mt-2 text-sm">The dashboard is being assembled; this page will host it.</p>
    </main>
  );
}
