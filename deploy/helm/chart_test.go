// Package helm tests the chart in helm/keyward with Helm's own Go packages:
// helm lint --strict, and the manifests helm template renders.
package helm

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const chartDir = "keyward"

var postgresValues = map[string]any{"store": "postgres", "replicaCount": 3, "postgres": map[string]any{"existingSecret": "keyward-db"}}

// TestLint: helm lint --strict finds nothing, on SQLite and on PostgreSQL.
// It runs the linter helm lint runs (helm's lint action wraps RunAll),
// without the action package, which would compile Helm's Kubernetes
// client, registry and storage into the test: nearly twice the packages
// (1,189, 658 now), a minute of a fresh machine's first make test. Every
// message fails the test, as --strict fails on warnings and this test on
// notes too.
func TestLint(t *testing.T) {
	for name, vals := range map[string]map[string]any{"sqlite": nil, "postgres": postgresValues,
		"verifier": {"verifier": map[string]any{"enabled": true, "tlsSecret": "keyward-verifier"}, "metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}}}} {
		t.Run(name, func(t *testing.T) {
			for _, m := range lint.RunAll(chartDir, vals, "").Messages {
				t.Errorf("%s", m.Error())
			}
		})
	}
}

// render is helm template: the manifests by file, in one stream.
func render(t *testing.T, vals map[string]any) ([]map[string]any, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	values, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: "kw", Namespace: "iam", IsInstall: true}, nil)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(chrt, values)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range files {
		if strings.HasSuffix(name, ".yaml") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var docs []map[string]any
	for _, name := range names {
		for _, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			if obj != nil {
				obj["_source"] = doc
				docs = append(docs, obj)
			}
		}
	}
	return docs, nil
}

// objects returns the rendered objects of kind, decoded into T.
func objects[T any](t *testing.T, docs []map[string]any, kind string) []T {
	t.Helper()
	var out []T
	for _, d := range docs {
		if d["kind"] == kind {
			var v T
			if err := yaml.Unmarshal([]byte(d["_source"].(string)), &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
	}
	return out
}

// checkPod: probes on /healthz and /readyz, a user without privileges and
// a read-only root filesystem, and no secret in an environment value.
func checkPod(t *testing.T, pod corev1.PodTemplateSpec) {
	t.Helper()
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod security context %+v", sc)
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %+v", c.ReadinessProbe)
	}
	csc := c.SecurityContext
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container security context %+v", csc)
	}
	for _, e := range c.Env {
		switch e.Name {
		case "KEYWARD_MASTER_KEY", "KEYWARD_ROOT_SECRET_ACCESS_KEY", "KEYWARD_DATABASE", "KEYWARD_DATABASE_URL":
			t.Errorf("env %s: a secret's value in the manifest (only its *_FILE belongs there)", e.Name)
		}
		if strings.Contains(e.Value, "://") {
			t.Errorf("env %s=%q: a secret in the manifest", e.Name, e.Value)
		}
	}
	if pod.Annotations["prometheus.io/scrape"] != "true" || pod.Annotations["prometheus.io/port"] != "9090" {
		t.Errorf("metrics annotations %v", pod.Annotations)
	}
}

func env(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

// TestTemplateSQLite: one replica in a StatefulSet with a claim for its
// data, a Service for the API (and metrics), no Secret.
func TestTemplateSQLite(t *testing.T) {
	docs, err := render(t, map[string]any{"replicaCount": 5})
	if err != nil {
		t.Fatal(err)
	}
	sets := objects[appsv1.StatefulSet](t, docs, "StatefulSet")
	if len(sets) != 1 || len(objects[appsv1.Deployment](t, docs, "Deployment")) != 0 {
		t.Fatalf("%d StatefulSets", len(sets))
	}
	s := sets[0]
	if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
		t.Errorf("SQLite with replicaCount 5: %v replicas, want 1", s.Spec.Replicas)
	}
	if len(s.Spec.VolumeClaimTemplates) != 1 || s.Spec.VolumeClaimTemplates[0].Name != "data" {
		t.Errorf("claims %+v", s.Spec.VolumeClaimTemplates)
	}
	checkPod(t, s.Spec.Template)
	e := env(s.Spec.Template.Spec.Containers[0])
	if e["KEYWARD_LISTEN"] != "0.0.0.0:8080" || e["KEYWARD_DATA"] != "/var/lib/keyward" || e["KEYWARD_MASTER_KEY_FILE"] != "" {
		t.Errorf("env %v", e)
	}
	if n := len(objects[corev1.Secret](t, docs, "Secret")); n != 0 {
		t.Errorf("the chart renders %d Secrets: secrets are never values", n)
	}
	svcs := objects[corev1.Service](t, docs, "Service")
	if len(svcs) != 1 || svcs[0].Spec.Ports[0].Port != 8080 {
		t.Errorf("services %+v", svcs)
	}
}

// TestTemplatePostgres: N replicas in a Deployment reading the database URL
// and the master key from files of the operator's Secret, a verifier
// Service when enabled, and a ServiceMonitor when asked.
func TestTemplatePostgres(t *testing.T) {
	vals := map[string]any{"store": "postgres", "replicaCount": 3, "postgres": map[string]any{"existingSecret": "keyward-db"},
		"verifier": map[string]any{"enabled": true, "tlsSecret": "keyward-verifier"}, "metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}}}
	docs, err := render(t, vals)
	if err != nil {
		t.Fatal(err)
	}
	deps := objects[appsv1.Deployment](t, docs, "Deployment")
	if len(deps) != 1 || len(objects[appsv1.StatefulSet](t, docs, "StatefulSet")) != 0 {
		t.Fatalf("%d Deployments", len(deps))
	}
	d := deps[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	checkPod(t, d.Spec.Template)
	e := env(d.Spec.Template.Spec.Containers[0])
	if e["KEYWARD_DATABASE_FILE"] != "/run/secrets/keyward/database-url" || e["KEYWARD_MASTER_KEY_FILE"] != "/run/secrets/keyward/master-key" {
		t.Errorf("env %v", e)
	}
	found := false
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "keyward-db" {
			found = true
		}
	}
	if !found {
		t.Error("the operator's Secret is not mounted")
	}
	var names []string
	for _, s := range objects[corev1.Service](t, docs, "Service") {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "kw-keyward,kw-keyward-verifier" {
		t.Errorf("services %v", names)
	}
	if n := len(objects[map[string]any](t, docs, "ServiceMonitor")); n != 1 {
		t.Errorf("%d ServiceMonitors", n)
	}
	if n := len(objects[corev1.Secret](t, docs, "Secret")); n != 0 {
		t.Errorf("the chart renders %d Secrets", n)
	}
}

// TestTemplateRefuses: PostgreSQL without a Secret, a secret among the
// settings, or an unknown store is refused, not rendered.
func TestTemplateRefuses(t *testing.T) {
	for name, vals := range map[string]map[string]any{
		"postgres without a secret": {"store": "postgres"},
		"a master key in values":    {"config": map[string]any{"master-key": "00"}},
		"a database URL in values":  {"config": map[string]any{"database": "postgres://u:p@db/kw"}},
		"an unknown store":          {"store": "mysql"},
		"a verifier without TLS":    {"verifier": map[string]any{"enabled": true}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := render(t, vals); err == nil {
				t.Error("rendered")
			}
		})
	}
	// The defaults hold no secret either.
	var b bytes.Buffer
	chrt, _ := loader.Load(chartDir)
	for _, f := range chrt.Raw {
		if f.Name == "values.yaml" {
			io.Copy(&b, bytes.NewReader(f.Data))
		}
	}
	if strings.Contains(b.String(), "://") && strings.Contains(b.String(), "@") {
		t.Error("values.yaml holds a URL with credentials")
	}
}
