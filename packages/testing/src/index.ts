export * from './ai-agents/index.ts';
export * from './database.ts';
export * from './factories.ts';
export * from './faults/index.ts';
export * from './k8s-fixture/index.ts';
export * from './minikube-fixture/index.ts';
export * from './openapi-truth.ts';
export * from './stack.ts';
