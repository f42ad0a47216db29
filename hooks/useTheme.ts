'use client';
/** Light/dark theme: the `dark` class on <html>, remembered in localStorage, system preference first. */
import { useCallback, useSyncExternalStore } from 'react';

const KEY = 'bandscope-theme';
const EVENT = 'bandscope:theme';

function read(): boolean {
  const stored = window.localStorage.getItem(KEY);
  if (stored === 'dark') return true;
  if (stored === 'light') return false;
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(EVENT, onChange);
  return () => window.removeEventListener(EVENT, onChange);
}

export function useTheme(): { dark: boolean; toggle: () => void } {
  const dark = useSyncExternalStore(subscribe, read, () => false);
  if (typeof document !== 'undefined') document.documentElement.classList.toggle('dark', dark);
  const toggle = useCallback(() => {
    window.localStorage.setItem(KEY, read() ? 'light' : 'dark');
    window.dispatchEvent(new Event(EVENT));
  }, []);
  return { dark, toggle };
}
