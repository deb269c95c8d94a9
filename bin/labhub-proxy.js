#!/usr/bin/env node
import '../dist/proxy/server/cli.js';
