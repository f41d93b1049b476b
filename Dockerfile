# One image for every service and the gridstream command; the command picks what runs, e.g.
#   docker run gridstream services/clean/src/main.ts
# tsx runs the TypeScript sources directly, so the only build step is the install.

FROM node:20-bookworm-slim AS install
WORKDIR /app
# corepack provides the pnpm version package.json pins (packageManager).
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# Downloads what the lockfile names, so this layer stays cached until the lockfile changes.
RUN pnpm fetch
COPY . .
# Dev dependencies too: tsx, which runs the services, is one.
RUN pnpm install --offline --frozen-lockfile --prod=false

# Without pnpm, its store or corepack's cache; the files stay root's, so the services cannot change them.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=install /app /app
USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["services/ingest/src/main.ts"]
