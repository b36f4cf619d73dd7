export { createTaskWorker, type TaskWorker, type TaskWorkerDeps } from './task-worker';
export { registerTaskRoutes } from './task-routes';
export { TASKS, findTask, describeTask, validateTaskParams } from './catalog';
export { TaskFailure, type TaskDefinition, type TaskRunContext, type TaskOutcome } from './task-definition';
export { publishTaskEvent, type TaskProgress } from './task-runs';
