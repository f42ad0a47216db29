// Installs the npm packages when missing or stale (used by training/run.sh).
import { ensureNodeModules } from './setup.mjs';

ensureNodeModules();
