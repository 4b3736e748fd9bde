package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxConfigFile bounds the --config file: settings, not data.
const maxConfigFile = 1 << 20

// setting is one key of the --config file, in the file's order.
type setting struct {
	key, value string
	line       int
}

// readConfigFile reads the YAML --config file: one mapping from settings
// (the flags' names without their dashes) to scalar values. An unknown
// key is an error, so that a misspelt setting is not silently the
// default; so is a secret's value, which belongs in the environment or in
// a file of its own.
func readConfigFile(path string, specs map[string]flagSpec) ([]setting, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	if len(b) > maxConfigFile {
		return nil, fmt.Errorf("--config: %s is larger than %d bytes", path, maxConfigFile)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file sets nothing
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: one YAML document expected", path)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a mapping of settings expected, such as \"listen: 127.0.0.1:8080\"", path, root.Line)
	}
	var out []setting
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d", path, k.Line)
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s: a setting's name expected", at)
		}
		switch name := k.Value; {
		case name == "master-key" || name == "root-secret-access-key":
			return nil, fmt.Errorf("%s: %s is a secret and is never read from the config file: use %s-file, naming a file readable by keyward alone, or $KEYWARD_%s",
				at, name, name, strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
		case specs[name].name == "":
			return nil, fmt.Errorf("%s: unknown setting %q (the settings are keyward serve --help's flags, without their dashes)", at, name)
		case seen[name]:
			return nil, fmt.Errorf("%s: %s is set twice", at, name)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, fmt.Errorf("%s: %s needs a single value", at, k.Value)
		}
		out = append(out, setting{key: k.Value, value: v.Value, line: k.Line})
	}
	return out, nil
}

// printConfig writes the configuration as a --config file would hold it,
// each value with where it came from, and the secrets masked.
func (c *Config) printConfig(w io.Writer) error {
	fmt.Fprintln(w, "# keyward serve's configuration: flags win over the environment, which wins over --config, which wins over the defaults.")
	if c.ConfigFile != "" {
		fmt.Fprintf(w, "# --config: %s\n", c.ConfigFile)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range c.specs() {
		if s.name == "database-file" || s.name == "master-key-file" || s.name == "root-secret-access-key-file" {
			continue // shown with the secret they hold
		}
		value := c.settingValue(s)
		if s.name == "database" {
			value = redactURL(value)
		}
		src, ok := c.sources[s.name]
		if !ok {
			src = source{from: "default"}
		}
		doc.Content = append(doc.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: s.name},
			&yaml.Node{Kind: yaml.ScalarNode, Value: value, Style: scalarStyle(value), LineComment: src.from})
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	enc.Close()
	w.Write(b.Bytes())
	fmt.Fprintln(w, "# Secrets (never printed):")
	for _, sv := range []struct{ name, value, env string }{
		{"master key", c.MasterKey, "KEYWARD_MASTER_KEY"},
		{"root secret access key", c.RootSecretAccessKey, "KEYWARD_ROOT_SECRET_ACCESS_KEY"},
		{"console OIDC client secret", c.ConsoleOIDCClientSecret, "KEYWARD_CONSOLE_OIDC_CLIENT_SECRET"},
	} {
		switch src, ok := c.sources[sv.env]; {
		case sv.value == "" && sv.env == "KEYWARD_MASTER_KEY":
			fmt.Fprintf(w, "#   %s: <data>/master.key (generated at first start)\n", sv.name)
		case sv.value == "":
			fmt.Fprintf(w, "#   %s: not set\n", sv.name)
		case ok:
			fmt.Fprintf(w, "#   %s: set, from %s\n", sv.name, src.from)
		}
	}
	return nil
}

// settingValue is a setting's current value as its flag prints it.
func (c *Config) settingValue(s flagSpec) string {
	fs := newFlagSet()
	s.bind(fs, s.name, "")
	return fs.Lookup(s.name).Value.String()
}

// scalarStyle quotes what YAML would otherwise read as another type or as
// nothing, so that the printed configuration reads back the same.
func scalarStyle(v string) yaml.Style {
	var back any
	if v == "" || yaml.Unmarshal([]byte(v), &back) != nil {
		return yaml.DoubleQuotedStyle
	}
	if s, ok := back.(string); !ok || s != v {
		// 10 or true stay plain: the flag reads them from their text.
		switch back.(type) {
		case int, bool, float64:
			return 0
		}
		return yaml.DoubleQuotedStyle
	}
	return 0
}

// redactURL hides a database URL's password, in its user information or
// in its query.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL hidden>"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// newFlagSet is a flag set that prints nothing: errors are returned.
func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
