# syntax=docker/dockerfile:1
# aws-lb-controller image. There is no build step: Node 24 runs the TypeScript sources in src/
# directly (type stripping), so the image is the Node runtime, the production dependencies and src/.
#
#   docker build -t aws-lb-controller:dev .
#   docker run --rm aws-lb-controller:dev run --cluster-name=demo ...   (the chart passes `run` + flags)

# --- stage 1: production dependencies only (no dev tooling, no install scripts) ---
FROM node:24-alpine3.22 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- stage 2: runtime ---
FROM node:24-alpine3.22 AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The controller needs node, not the package managers the base image ships.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
# numeric uid/gid so that Kubernetes can verify runAsNonRoot (matches the chart's securityContext)
USER 65532:65532
# webhook, metrics, health probes
EXPOSE 9443 8080 61779
ENTRYPOINT ["node", "src/main.ts"]
CMD ["--help"]
