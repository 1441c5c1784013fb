// Command render renders a Helm chart offline, the way `helm template` does for the features
// the Hotline chart uses, so the chart can be checked on a machine without the helm binary.
//
// It loads Chart.yaml and values.yaml, merges override files over them (Helm's coalescing: maps
// merge deeply, a null deletes a key), provides .Values .Release .Chart .Capabilities
// .Template, the sprig function map (minus env/expandenv, as Helm), and Helm's own functions
// include, tpl, required, toYaml, fromYaml, fromYamlArray, toJson, fromJson, lookup (always
// empty, as under `helm template`). Every file of templates/ is parsed into one template set;
// each non-partial template is rendered and written as one document of a multi-document YAML
// stream preceded by "# Source:", like helm. NOTES.txt is rendered to a separate file.
//
// Built in GOPATH mode against Debian's golang-*-dev packages (no network):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o render .
//
// In GOPATH mode the import path of sprig v3 is its directory, github.com/Masterminds/sprig.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

// apiVersions mirrors Helm's chartutil.VersionSet (.Capabilities.APIVersions.Has).
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type kubeVersion struct {
	Version, Major, Minor, GitVersion string
}

func (k kubeVersion) String() string { return k.Version }

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
	HelmVersion map[string]interface{}
}

func main() {
	var overrides valueFiles
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "hotline", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kube := flag.String("kube-version", "1.31.0", "Kubernetes version for .Capabilities")
	notesOut := flag.String("notes", "", "write the rendered NOTES.txt here")
	upgrade := flag.Bool("upgrade", false, "render as an upgrade (.Release.IsUpgrade)")
	flag.Var(&overrides, "f", "values file merged over values.yaml (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		fmt.Fprintln(os.Stderr, "usage: render -chart DIR [-f values.yaml]... [-name N] [-namespace NS]")
		os.Exit(2)
	}
	out, notes, err := render(*chartDir, overrides, *release, *namespace, *kube, *upgrade)
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
	if *notesOut != "" {
		if err := os.WriteFile(*notesOut, []byte(notes), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "render:", err)
			os.Exit(1)
		}
	}
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	// sigs.k8s.io/yaml, as Helm: YAML → JSON → Go, so numbers become float64 as in helm.
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// coalesce merges src over dst like Helm: maps merge recursively, a null in src deletes the
// key, anything else replaces.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// dropNulls removes null leaves left in the chart's own values.yaml (Helm does the same once
// the values are coalesced).
func dropNulls(m map[string]interface{}) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]interface{}:
			dropNulls(t)
		}
	}
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func render(chartDir string, overrides []string, release, namespace, kube string, upgrade bool) (string, string, error) {
	meta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", "", err
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return "", "", errors.New("Chart.yaml has no name")
	}
	// .Chart uses the Go field names of Helm's chart.Metadata.
	chart := map[string]interface{}{}
	for k, v := range meta {
		switch k {
		case "apiVersion":
			chart["APIVersion"] = v
		case "appVersion":
			chart["AppVersion"] = v
		case "kubeVersion":
			chart["KubeVersion"] = v
		default:
			chart[strings.ToUpper(k[:1])+k[1:]] = v
		}
	}

	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", "", err
	}
	for _, f := range overrides {
		o, err := readYAMLMap(f)
		if err != nil {
			return "", "", err
		}
		values = coalesce(values, o)
	}
	dropNulls(values)

	parts := strings.SplitN(strings.TrimPrefix(kube, "v"), ".", 3)
	if len(parts) < 2 {
		return "", "", fmt.Errorf("kube-version %q is not MAJOR.MINOR[.PATCH]", kube)
	}
	caps := capabilities{
		KubeVersion: kubeVersion{Version: "v" + strings.TrimPrefix(kube, "v"), Major: parts[0], Minor: parts[1], GitVersion: "v" + strings.TrimPrefix(kube, "v")},
		APIVersions: apiVersions{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"},
		HelmVersion: map[string]interface{}{"Version": "v3-offline-renderer"},
	}
	rel := map[string]interface{}{
		"Name": release, "Namespace": namespace, "Service": "Helm", "Revision": 1,
		"IsInstall": !upgrade, "IsUpgrade": upgrade,
	}
	if upgrade {
		rel["Revision"] = 2
	}

	// Every file under templates/ joins one template set named like helm's: <chart>/templates/<file>.
	tdir := filepath.Join(chartDir, "templates")
	var files []string
	err = filepath.Walk(tdir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	sort.Strings(files)

	root := template.New("gotpl")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["fromYamlArray"] = fromYAMLArray
	funcs["toJson"] = toJSON
	funcs["fromJson"] = fromJSON
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs).Option("missingkey=zero")

	names := map[string]string{}
	for _, f := range files {
		rel, _ := filepath.Rel(tdir, f)
		tname := path.Join(name, "templates", filepath.ToSlash(rel))
		data, err := os.ReadFile(f)
		if err != nil {
			return "", "", err
		}
		if _, err := root.New(tname).Parse(string(data)); err != nil {
			return "", "", err
		}
		names[tname] = f
	}

	top := map[string]interface{}{
		"Values": values, "Chart": chart, "Release": rel, "Capabilities": caps,
		"Files": map[string]interface{}{},
	}
	var out strings.Builder
	var notes string
	tnames := make([]string, 0, len(names))
	for t := range names {
		tnames = append(tnames, t)
	}
	sort.Strings(tnames)
	for _, t := range tnames {
		base := path.Base(t)
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": t, "BasePath": path.Join(name, "templates")}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, t, data); err != nil {
			return "", "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			notes = text
			continue
		}
		// helm splits a template's output on document separators and drops empty documents.
		for _, doc := range strings.Split(text, "\n---") {
			doc = strings.TrimPrefix(doc, "---")
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", t, strings.Trim(doc, "\n"))
		}
	}
	return out.String(), notes, nil
}
