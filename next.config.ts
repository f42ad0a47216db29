import type { NextConfig } from 'next';

// Cross-origin isolation lets onnxruntime-web use multi-threaded WASM
// (SharedArrayBuffer). Everything is same-origin, so require-corp costs nothing.
const isolationHeaders = [
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  async headers() {
    return [{ source: '/:path*', headers: isolationHeaders }];
  },
};

export default nextConfig;
