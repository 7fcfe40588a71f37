import { existsSync } from "node:fs";

/**
 * Global setup of the control plane's browser tests (test/integration/control): they need
 * headless Chromium (Debian's `chromium`; `.ci/run` installs it when missing) and no server.
 */
export default function setup(): void {
  const chromium = process.env.MASS_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium))
    throw new Error(`test/integration/control needs Chromium at ${chromium}: apt-get install -y chromium`);
}
