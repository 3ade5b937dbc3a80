export {
  type ChartArchive,
  type ChartFiles,
  chartFiles,
  chartNameOf,
  MAX_CHART_BYTES,
  packChart,
  readChartArchive,
  SCAFFOLD_DEFAULT_IMAGE,
  scaffoldChart,
  writeChartFiles,
} from './chart-files.ts';
export {
  DNS_1123_LABEL,
  isStrictSemver,
  validateChartFiles,
  validateChartStructure,
} from './chart-structure.ts';
export { type AdmitInput, admitRendered, HELM_FIELD_MANAGER } from './dry-run.ts';
export {
  type HelmDryRunRelease,
  type HelmInstallInput,
  helmDryRunArgs,
  helmDuration,
  helmInstallArgs,
  helmLintArgs,
  helmTemplateArgs,
  parseHelmDryRun,
  parseHelmErrors,
  parseHelmLintOutput,
  type RenderedObject,
} from './helm-args.ts';
export {
  HelmChartTool,
  type HelmChartToolOptions,
  type HelmProbe,
  installError,
  VALIDATE_RELEASE,
} from './helm-chart-tool.ts';
export { type HelmRun, runHelm } from './run-helm.ts';
