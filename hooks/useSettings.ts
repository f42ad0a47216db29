'use client';
/**
 * Settings live in the URL query (lib/settings codec): reading subscribes to history changes,
 * writing replaces the entry, so reload and shared links restore the view.
 */
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { decodeSettings, encodeSettings, type DecodedSettings } from '@/lib/settings/codec';
import type { Settings } from '@/lib/settings/settings';

const CHANGE_EVENT = 'bandscope:settings';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGE_EVENT, onChange);
  };
}

export function useSettings(): DecodedSettings & { setSettings: (next: Settings) => void } {
  // The server has no URL: render defaults there, the client re-renders with its query.
  const search = useSyncExternalStore(
    subscribe,
    () => window.location.search,
    () => '',
  );
  const decoded = useMemo(() => decodeSettings(search), [search]);
  const setSettings = useCallback((next: Settings) => {
    const query = encodeSettings(next);
    window.history.replaceState(null, '', query === '' ? window.location.pathname : `?${query}`);
    window.dispatchEvent(new Event(CHANGE_EVENT));
  }, []);
  return { ...decoded, setSettings };
}
