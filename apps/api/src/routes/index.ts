import type { ApiApp, AppDeps } from '../context.ts';
import { registerQueueBoard } from './admin/queue-board.ts';
import { registerAiAnalyze } from './ai/analyze.ts';
import { registerAiDebug } from './ai/debug.ts';
import { registerAiDeploy } from './ai/deploy.ts';
import { registerAiScale } from './ai/scale.ts';
import { registerListAudit } from './audit/list.ts';
import { registerLogin } from './auth/login.ts';
import { registerLogout } from './auth/logout.ts';
import { registerRefresh } from './auth/refresh.ts';
import { registerChartContent } from './charts/content.ts';
import { registerCreateChart } from './charts/create.ts';
import { registerGetChart } from './charts/get.ts';
import { registerListCharts } from './charts/list.ts';
import { registerDeleteChart } from './charts/remove.ts';
import { registerUpdateChart } from './charts/update.ts';
import { registerCreateCluster } from './clusters/create.ts';
import { registerGetCluster } from './clusters/get.ts';
import { registerListClusters } from './clusters/list.ts';
import { registerDeleteCluster } from './clusters/remove.ts';
import { registerRestartCluster } from './clusters/restart.ts';
import { registerStartCluster } from './clusters/start.ts';
import { registerStopCluster } from './clusters/stop.ts';
import { registerConsole } from './console/static.ts';
import { registerCreateDeployment } from './deployments/create.ts';
import { registerGetDeployment } from './deployments/get.ts';
import { registerListDeployments } from './deployments/list.ts';
import { registerDeleteDeployment } from './deployments/remove.ts';
import { registerScaleDeployment } from './deployments/scale.ts';
import { registerUpdateDeployment } from './deployments/update.ts';
import { registerApiReference } from './docs/reference.ts';
import { registerEventStream } from './events/stream.ts';
import { registerCreateImage } from './images/create.ts';
import { registerGetImage } from './images/get.ts';
import { registerListImages } from './images/list.ts';
import { registerImageLogs } from './images/logs.ts';
import { registerDeleteImage } from './images/remove.ts';
import { registerUpdateImage } from './images/update.ts';
import { registerCreateKubeContext } from './kube-contexts/create.ts';
import { registerListKubeContexts } from './kube-contexts/list.ts';
import { registerDeleteKubeContext } from './kube-contexts/remove.ts';
import { registerCreateNamespaceAssignment } from './namespaces/create.ts';
import { registerListNamespaceAssignments } from './namespaces/list.ts';
import { registerDeleteNamespaceAssignment } from './namespaces/remove.ts';
import { registerCancelOperation } from './operations/cancel.ts';
import { registerOperationEvents } from './operations/events.ts';
import { registerGetOperation } from './operations/get.ts';
import { registerListOperations } from './operations/list.ts';
import { registerCreateService } from './services/create.ts';
import { registerGetService } from './services/get.ts';
import { registerListServices } from './services/list.ts';
import { registerDeleteService } from './services/remove.ts';
import { registerUpdateService } from './services/update.ts';
import { registerSystemDrivers } from './system/drivers.ts';
import { registerHealth } from './system/health.ts';
import { registerSystemMetrics } from './system/metrics.ts';
import { registerPrometheus } from './system/prometheus.ts';
import { registerSystemQueues } from './system/queues.ts';
import { registerReady } from './system/ready.ts';
import { registerCreateUser } from './users/create.ts';
import { registerListUsers } from './users/list.ts';
import { registerMe } from './users/me.ts';

/** Every endpoint, one register function per verb file. */
export function registerRoutes(app: ApiApp, deps: AppDeps): void {
  registerHealth(app);
  registerApiReference(app);
  registerReady(app, deps);
  registerPrometheus(app, deps);
  registerQueueBoard(app, deps);

  registerLogin(app, deps);
  registerRefresh(app, deps);
  registerLogout(app, deps);
  registerListAudit(app, deps);
  registerCreateUser(app, deps);
  registerListUsers(app, deps);
  registerMe(app, deps);

  registerCreateCluster(app, deps);
  registerListClusters(app, deps);
  registerGetCluster(app, deps);
  registerStartCluster(app, deps);
  registerStopCluster(app, deps);
  registerRestartCluster(app, deps);
  registerDeleteCluster(app, deps);

  registerCreateKubeContext(app, deps);
  registerListKubeContexts(app, deps);
  registerDeleteKubeContext(app, deps);
  registerCreateNamespaceAssignment(app, deps);
  registerListNamespaceAssignments(app, deps);
  registerDeleteNamespaceAssignment(app, deps);

  registerCreateImage(app, deps);
  registerListImages(app, deps);
  registerGetImage(app, deps);
  registerUpdateImage(app, deps);
  registerDeleteImage(app, deps);
  registerImageLogs(app, deps);

  registerCreateChart(app, deps);
  registerListCharts(app, deps);
  registerGetChart(app, deps);
  registerUpdateChart(app, deps);
  registerChartContent(app, deps);
  registerDeleteChart(app, deps);

  registerCreateDeployment(app, deps);
  registerListDeployments(app, deps);
  registerGetDeployment(app, deps);
  registerUpdateDeployment(app, deps);
  registerScaleDeployment(app, deps);
  registerDeleteDeployment(app, deps);

  registerCreateService(app, deps);
  registerListServices(app, deps);
  registerGetService(app, deps);
  registerUpdateService(app, deps);
  registerDeleteService(app, deps);

  registerListOperations(app, deps);
  registerGetOperation(app, deps);
  registerCancelOperation(app, deps);
  registerOperationEvents(app, deps);
  registerEventStream(app, deps);

  registerAiDeploy(app, deps);
  registerAiScale(app, deps);
  registerAiDebug(app, deps);
  registerAiAnalyze(app, deps);

  registerSystemMetrics(app, deps);
  registerSystemDrivers(app, deps);
  registerSystemQueues(app, deps);

  // The web console's pages and assets (static files, not part of the JSON API document).
  registerConsole(app);
}
