// The lint that tools/test runs before the tests: names used but never defined, and names defined
// but never used, in every JS file of ours (the site, the benchmarks, the tests, the tools), and
// lines of code up to 160 characters (a long string, template or pattern may run on). Code paths
// that no test reaches (the Node GPU benchmarks run only on a GPU machine) are checked here.
import globals from 'globals';

const webgpu = Object.fromEntries(['GPUBufferUsage', 'GPUMapMode', 'GPUShaderStage', 'GPUTextureUsage'].map((name) => [name, 'readonly']));

export default [
  { ignores: ['build/**', 'node_modules/**', '.gpu/**', '.gl/**'] },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.worker, ...globals.node, ...webgpu },
    },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
];
