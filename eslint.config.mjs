// Lint rules: TypeScript's recommended set, the layers of docs/design.md as import boundaries, and the
// project's own hygiene (no trusted Markdown, notifications only through notify.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_IO = ['child_process', 'node:child_process', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'execa'];

/** One layer's import boundary: `banned` modules, and `upward` folders it must not reach into. */
function boundary(banned, upward, why) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: banned.map((name) => ({ name, message: why })),
        patterns: upward.map((dir) => ({ group: [`**/${dir}/**`, `**/${dir}`], message: why })),
      },
    ],
  };
}

/** Markdown and webviews that run commands or HTML from untrusted names (namespaces, comments). */
const TRUSTED_CONTENT = [
  {
    selector: 'Property[key.name=/^(isTrusted|supportHtml|enableCommandUris)$/][value.value=true]',
    message: 'Untrusted names reach this content: never trust Markdown, HTML or command URIs.',
  },
  {
    selector: 'Property[key.name=/^(isTrusted|enableCommandUris)$/][value.type=/^(ObjectExpression|ArrayExpression)$/]',
    message: 'Untrusted names reach this content: never trust Markdown or command URIs.',
  },
  {
    selector:
      'AssignmentExpression[left.property.name=/^(isTrusted|supportHtml|enableCommandUris)$/]:not([right.value=false])',
    message: 'Untrusted names reach this content: never trust Markdown, HTML or command URIs.',
  },
  {
    selector: "NewExpression[callee.property.name='MarkdownString'][arguments.1.value=true]",
    message: 'Untrusted names reach this content: MarkdownString must not support theme icons from names.',
  },
];

const NOTIFY_ONLY = {
  selector: 'MemberExpression[property.name=/^show(Information|Warning|Error)Message$/]',
  message: 'Notifications go through src/extension/notify.ts, which keeps names and tool output from becoming links.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.vscode-test/', 'test/fixtures/', 'test/lint/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Sanitisers strip control characters on purpose (markdown.ts, svg.ts, validate.ts).
      'no-control-regex': 'off',
      'no-restricted-syntax': ['error', ...TRUSTED_CONTENT],
      // Prettier wraps code at 120; comments are held to the same width (long string literals may pass it).
      'max-len': [
        'error',
        {
          code: 120,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...boundary(
        ['vscode', ...NODE_IO],
        ['host', 'extension', 'cli', 'webview'],
        'src/core is pure: no vscode, processes or files, and no import from the layers above it.',
      ),
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/host/**/*.ts'],
    rules: boundary(
      ['vscode'],
      ['extension', 'cli', 'webview'],
      'src/host runs commands for core: no vscode, and no import from extension, cli or webview.',
    ),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: boundary(['vscode'], ['extension', 'webview'], 'src/cli uses core and host only.'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      ...boundary(
        [],
        ['cli', 'webview'],
        'src/extension uses core and host; types shared with the page live in src/core.',
      ),
      'no-restricted-syntax': ['error', ...TRUSTED_CONTENT, NOTIFY_ONLY],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    ignores: ['src/extension/ids.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...TRUSTED_CONTENT,
        NOTIFY_ONLY,
        {
          selector: 'Literal[value=/^netnsExplorer\\./]',
          message: 'Views, commands, context keys and settings come from src/extension/ids.ts.',
        },
      ],
    },
  },
  {
    files: ['src/extension/notify.ts'],
    rules: { 'no-restricted-syntax': ['error', ...TRUSTED_CONTENT] },
  },
  {
    files: ['webview/**/*.ts'],
    rules: boundary(
      ['vscode', ...NODE_IO],
      ['host', 'extension', 'cli'],
      'The page runs in a browser: core types and cytoscape only.',
    ),
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js', 'test/lab/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
