// Bundles the identity app into dist/image (server.cjs, app.cjs, static/): see app-bundle.mjs.
import { bundleApp } from './app-bundle.mjs';

await bundleApp('.', 'dist/image');
