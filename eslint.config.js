// Lint rules: type-aware checks for async code, and the layer rules of docs/design.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (dir, forbidden) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((f) => ({
          regex: `^(\\.\\./)+${f}/`,
          message: `${dir}/ must not import ${f}/ (layers point downwards)`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read env only in src/cli/ (config is parsed once at the entry).',
        },
      ],
    },
  },
  // The size budget (docs/architecture.md): a function reads top to bottom on one screen, and its
  // branches stay few enough to test one by one. Tests are tables and scenarios; they are exempt.
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
      complexity: ['error', 20],
    },
  },
  {
    files: ['src/cli/**', 'test/**', 'bench/**', 'hack/**', 'examples/**', '*.config.*'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**', 'bench/**', 'hack/**', 'examples/**', '**/*.test.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // What runs on main is the whole suite: a skipped test shrinks it without a word, `.only` hides
  // every other test of its file, and `.todo` is a wish CI reports green.
  {
    files: ['test/**', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'MemberExpression[property.name=/^(skip|only|todo)$/]:matches([object.name=/^(describe|it|test|suite)$/], [object.object.name=/^(describe|it|test|suite)$/])',
          message:
            'No .skip/.only/.todo on main: each one silently shrinks the suite. Fix or delete the test (and say what is missing in an issue).',
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  layer('api', ['core', 'engine', 'backends', 'addons', 'controllers', 'runtime', 'cli', 'metrics']),
  layer('core', ['engine', 'backends', 'addons', 'controllers', 'runtime', 'cli', 'metrics']),
  layer('engine', ['backends', 'addons', 'controllers', 'runtime', 'cli']),
  layer('backends', ['addons', 'controllers', 'runtime', 'cli']),
  layer('addons', ['controllers', 'runtime', 'cli']),
  layer('controllers', ['steps', 'runtime', 'cli']),
  layer('steps', ['runtime', 'cli']),
  layer('runtime', ['cli']),
);
