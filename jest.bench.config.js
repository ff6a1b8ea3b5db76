import base from "./jest.config.js";

export default { ...base, roots: ["<rootDir>/bench"], testMatch: ["**/*.bench.ts"], testTimeout: 600000 };
