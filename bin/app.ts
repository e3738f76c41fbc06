#!/usr/bin/env node
import { createPipelineApp } from '../lib/app.js';
import { ConfigError } from '../lib/config.js';

try {
  createPipelineApp();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
