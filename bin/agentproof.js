#!/usr/bin/env node
// Entry for `npx agentproof` / a global install: the CLI is TypeScript run by Node's type stripping.
import '../src/cli/main.ts';
