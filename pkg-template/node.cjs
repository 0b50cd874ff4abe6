'use strict';
// Entry for Node's require(); node.mjs re-exports this same instance, so import and require
// share one module and one GraphError class.
const wasm = require('./node/graph_sync_job.js');
const { GraphError } = require('./node/__SNIPPET__');

exports.startSynchronizationJob = wasm.startSynchronizationJob;
exports.GraphError = GraphError;
