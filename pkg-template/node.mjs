// Entry for Node's import: the CommonJS build, loaded once for import and require alike.
import cjs from './node.cjs';

export const { startSynchronizationJob, GraphError } = cjs;
