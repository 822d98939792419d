import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { globToRegExp } from '../../src/config/import/keepalived-parser.js';
import { loadYamlText } from '../../src/config/load.js';
/** Inputs the config fuzzer (test/faults/config-fuzz) found crashing the loaders, kept as plain cases. */
describe('config loaders: inputs that used to crash', () => {
    it('a YAML alias before its anchor is a config error on its line, not a ReferenceError', () => {
        const text = 'global:\n  listen: 127.0.0.1:9911\n  logLevel: *a\nvirtualServices: []\n';
        assert.throws(() => loadYamlText('a.yaml', text), (err) => err instanceof ConfigError && formatIssue(err.issues[0]).startsWith('a.yaml:3:'));
    });
    it('keepalived include globs: classes, negation, and a stray "[" as a plain character', () => {
        assert.ok(globToRegExp('*.conf').test('a.conf'));
        assert.ok(globToRegExp('[a-c]*.conf').test('b1.conf'));
        assert.ok(!globToRegExp('[!a-c]*.conf').test('b1.conf'));
        assert.ok(globToRegExp('[$').test('[$'));
        assert.ok(globToRegExp('[z-a].conf').test('[z-a].conf'));
    });
});
//# sourceMappingURL=config-hardening.test.js.map