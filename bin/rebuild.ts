/**
 * `npm run rebuild`: see `--help` and lib/README.md (Operations).
 */
import { rebuildCommand } from './recovery/commands.js';

// The AWS SDK's notice about its future Node.js 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

rebuildCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('rebuild failed:', error);
    process.exit(1);
  },
);
