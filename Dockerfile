# One image for every service and the gridstream command; the command picks what runs, e.g.
#   docker run gridstream services/clean/dist/main.mjs
# Each service runs from its bundle (packages/service-build), built here after the install: plain
# Node, without tsx's loader in every process. The gridstream command runs through tsx.

FROM node:20-bookworm-slim AS install
WORKDIR /app
# corepack provides the pnpm version package.json pins (packageManager).
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# Downloads what the lockfile names, so this layer stays cached until the lockfile changes.
RUN pnpm fetch
COPY . .
# Dev dependencies too: tsx, which runs the gridstream command and the bundler, is one.
RUN pnpm install --offline --frozen-lockfile --prod=false
RUN node --import tsx packages/service-build/src/main.ts

# Without pnpm, its store or corepack's cache; the files stay root's, so the services cannot change them.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=install /app /app
USER node
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["services/ingest/dist/main.mjs"]
