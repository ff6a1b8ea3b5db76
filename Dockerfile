# syntax=docker/dockerfile:1
# Log Gardener: the Probot app (`npm start`) on Node 24 (Active LTS). Build: docker build -t log-gardener .
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" builds with tsc, which is a dev dependency; lib/ comes from the build stage
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY bin ./bin
COPY templates ./templates
COPY config ./config
COPY examples ./examples
COPY app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# the same as `npm start`, without npm in between, so SIGTERM reaches node
CMD ["node", "lib/app/main.js"]
