# syntax=docker/dockerfile:1
# aws-lb-controller image (ADR 0005). The controller runs as one bundled file, dist/controller.mjs, built from
# src/controller.ts with esbuild: only the code `run` reaches, the AWS SDK tree-shaken to the operations it sends.
# The final image holds Node and that file, nothing else.
#
#   docker build -t aws-lb-controller:dev .
#   docker run --rm aws-lb-controller:dev run --cluster-name=demo ...   (the chart passes `run` + flags)

# --- stage 1: the bundle (all dependencies from the lockfile: esbuild is a dev dependency; no install scripts) ---
FROM node:24-alpine3.22 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts/build ./scripts/build
RUN node scripts/build/controller-bundle.ts

# --- stage 2: runtime ---
FROM node:24-alpine3.22 AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The controller needs node, not the package managers the base image ships.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
COPY --from=build /app/dist/controller.mjs ./controller.mjs
# numeric uid/gid so that Kubernetes can verify runAsNonRoot (matches the chart's securityContext)
USER 65532:65532
# webhook, metrics, health probes
EXPOSE 9443 8080 61779
# the flags are CONTROLLER_NODE_FLAGS of scripts/build/controller-bundle.ts (a test keeps them equal)
ENTRYPOINT ["node", "--max-semi-space-size=1", "--max-old-space-size=256", "--memory-saver-mode", "--no-maglev", "controller.mjs"]
CMD ["--help"]
