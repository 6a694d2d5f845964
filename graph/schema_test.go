package graph_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"consentwiz/graph"
	"consentwiz/graph/entra"
	"consentwiz/graph/sim"
)

// The client is checked against graph/testdata/graph-subset.json, a description of
// the real Microsoft Graph v1.0 API (paths, methods, schemas):
//   - every endpoint in the client's table (endpoints.go) exists with its method;
//   - every request the client really sends, captured by running every method
//     and Snapshot against the simulator, exists in the spec and in the table;
//   - every JSON field of every type in types.go (and the $batch types) exists in the
//     matching schema, base types included, with a compatible JSON type.

type graphSpec struct {
	Paths   map[string]map[string]any `json:"paths"`
	Schemas map[string]specSchema     `json:"schemas"`
}

type specSchema struct {
	Base       string            `json:"base"`
	Properties map[string]string `json:"properties"`
	Nav        map[string]string `json:"nav"`
	Enum       []string          `json:"enum"`
}

func loadSpec(t *testing.T) graphSpec {
	t.Helper()
	data, err := os.ReadFile("testdata/graph-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var spec graphSpec
	if err := json.Unmarshal(doc["v1.0"], &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Paths) < 20 || len(spec.Schemas) < 20 {
		t.Fatalf("spec looks empty: %d paths, %d schemas", len(spec.Paths), len(spec.Schemas))
	}
	return spec
}

// documentedExceptions are requests the CSDL-derived subset does not list but
// Microsoft documents.
var documentedExceptions = map[string]string{
	// docs/entra.md A3: "PUT /v1.0/policies/adminConsentRequestPolicy. PUT, not PATCH:
	// send the full object. Returns 204 No Content." (adminconsentrequestpolicy-update.md)
	"PUT /policies/adminConsentRequestPolicy": "docs/entra.md A3",
}

var reAppIDAltKey = regexp.MustCompile(`servicePrincipals\(appId='[^']*'\)`)

// normalizeRequestPath strips the query and maps the alternate key
// servicePrincipals(appId='…') to /servicePrincipals/{id} (docs/entra.md A5).
func normalizeRequestPath(p string) string {
	p = graph.PathOnly(p)
	return reAppIDAltKey.ReplaceAllString(p, "servicePrincipals/{id}")
}

func segmentsMatch(template, path string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if ts[i] == "{id}" {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// methodsOf lists the methods the spec allows on a path entry.
func methodsOf(entry map[string]any) []string {
	var out []string
	if ms, ok := entry["methods"].([]any); ok {
		for _, m := range ms {
			out = append(out, m.(string))
		}
	}
	if m, ok := entry["method"].(string); ok {
		out = append(out, m)
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if _, ok := entry[m]; ok { // "/$batch": {"POST": {...}}
			out = append(out, m)
		}
	}
	return out
}

// specAllows reports whether method path (a concrete or template path) is in the spec.
func (s graphSpec) specAllows(method, path string) (bool, string) {
	norm := normalizeRequestPath(path)
	if why, ok := documentedExceptions[method+" "+norm]; ok {
		return true, why
	}
	for tmpl, entry := range s.Paths {
		if !segmentsMatch(tmpl, norm) {
			continue
		}
		for _, m := range methodsOf(entry) {
			if m == method {
				return true, tmpl
			}
		}
	}
	return false, ""
}

// templateOf turns an endpoint path into a spec-style template.
func templateOf(p string) string {
	p = strings.ReplaceAll(p, "servicePrincipals(appId='{appId}')", "servicePrincipals/{id}")
	return p
}

func TestEndpointTableExistsInSpec(t *testing.T) {
	spec := loadSpec(t)
	seen := map[entra.Op]bool{}
	for _, e := range entra.Endpoints() {
		if seen[e.Op] {
			t.Errorf("op %s appears twice in the table", e.Op)
		}
		seen[e.Op] = true
		if ok, _ := spec.specAllows(e.Method, templateOf(e.Path)); !ok {
			t.Errorf("%s: %s %s is not in graph-subset.json", e.Op, e.Method, e.Path)
		}
		if e.Op != entra.OpBatch && len(e.Scopes) == 0 {
			t.Errorf("%s has no scopes", e.Op)
		}
		if e.Op != entra.OpBatch && e.Write == isIdempotentRead(e.Method) {
			t.Errorf("%s: Write=%v does not fit method %s", e.Op, e.Write, e.Method)
		}
	}
	// The exception really is needed: the subset lists only PATCH for this path.
	if ok, _ := (graphSpec{Paths: spec.Paths}).specAllowsNoExceptions("PUT", "/policies/adminConsentRequestPolicy"); ok {
		t.Errorf("the spec now lists PUT on adminConsentRequestPolicy: drop the exception")
	}
	// A path that is not in the spec is caught.
	if ok, _ := spec.specAllows("GET", "/servicePrincipals/{id}/noSuchThing"); ok {
		t.Errorf("specAllows accepts anything")
	}
	if ok, _ := spec.specAllows("PUT", "/policies/authorizationPolicy"); ok {
		t.Errorf("specAllows ignores the method")
	}
}

func isIdempotentRead(method string) bool { return method == "GET" }

func (s graphSpec) specAllowsNoExceptions(method, path string) (bool, string) {
	saved := documentedExceptions
	documentedExceptions = map[string]string{}
	defer func() { documentedExceptions = saved }()
	return s.specAllows(method, path)
}

// endpointMatches reports whether a captured request belongs to table entry e.
func endpointMatches(e entra.Endpoint, method, path string) bool {
	if e.Method != method {
		return false
	}
	tmpl := strings.ReplaceAll(regexp.QuoteMeta(e.Path), `\{appId\}`, `[0-9a-fA-F-]{36}`)
	tmpl = strings.ReplaceAll(tmpl, `\{id\}`, `[^/]+`)
	return regexp.MustCompile("^" + tmpl + "$").MatchString(graph.PathOnly(path))
}

// exerciseClient runs every method of the client, and Snapshot, against the
// simulator; every call must succeed.
func exerciseClient(t *testing.T) *traffic {
	t.Helper()
	f := newFixture(t)
	c, ten, gsp := f.c, f.ten, f.graphSP
	ctx := testCtx(t)
	reqID, err := ten.SubmitConsentRequest(ten.EndUserUPN(), ten.AppID(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	// The tenant is a GDAP partner of one customer (docs/entra.md I).
	customer, err := f.AddTenant("locked-down")
	if err != nil {
		t.Fatal(err)
	}
	relID, err := f.AddRelationship(ten, customer, sim.Relationship{Roles: []string{entra.RoleGlobalReader}})
	if err != nil {
		t.Fatal(err)
	}
	var arch *entra.ServicePrincipal
	var grant *entra.OAuth2PermissionGrant
	var ara *entra.AppRoleAssignment
	var cls *entra.DelegatedPermissionClassification
	calls := []func() error{
		func() error { _, err := c.Organization(ctx); return err },
		func() error { _, err := c.Me(ctx); return err },
		func() error { _, err := c.MyDirectoryRoles(ctx); return err },
		func() error { _, err := c.GetAuthorizationPolicy(ctx); return err },
		func() error {
			return c.UpdateUserConsentPolicies(ctx, []string{entra.SelfConsentPrefix + entra.PolicyLow})
		},
		func() error { _, err := c.GetConsentRequestPolicy(ctx); return err },
		func() error {
			return c.PutConsentRequestPolicy(ctx, entra.AdminConsentRequestPolicy{RequestDurationInDays: 30})
		},
		func() error {
			_, err := c.GetPermissionGrantPolicyIncludes(ctx, entra.PolicyManagedRecommended)
			return err
		},
		func() error {
			_, err := c.GetPermissionGrantPolicyExcludes(ctx, entra.PolicyManagedRecommended)
			return err
		},
		func() error { _, err := c.GetServicePrincipalByAppID(ctx, ten.AppID()); return err },
		func() error { _, err := c.GetGraphServicePrincipal(ctx); return err },
		func() error { arch, err = c.CreateServicePrincipal(ctx, sim.ArchiverAppID); return err },
		func() error { _, err := c.ListGrants(ctx, f.app.ID); return err },
		func() error {
			grant, err = c.CreateGrant(ctx, entra.OAuth2PermissionGrant{ClientID: arch.ID, ConsentType: "AllPrincipals", ResourceID: gsp.ID, Scope: "User.Read"})
			return err
		},
		func() error { return c.UpdateGrantScope(ctx, grant.ID, "User.Read Calendars.Read") },
		func() error { _, err := c.ListAppRoleAssignments(ctx, f.app.ID); return err },
		func() error {
			ara, err = c.CreateAppRoleAssignment(ctx, gsp.ID, entra.AppRoleAssignment{PrincipalID: arch.ID, AppRoleID: appRoleID(t, gsp, "Mail.Read")})
			return err
		},
		func() error { _, err := c.ListConsentRequests(ctx, ten.AppID()); return err },
		func() error { _, err := c.ListPendingUserRequests(ctx, reqID); return err },
		func() error { _, err := c.ListClassifications(ctx, gsp.ID); return err },
		func() error {
			cls, err = c.CreateClassification(ctx, gsp.ID, entra.DelegatedPermissionClassification{PermissionID: scopeID(t, gsp, "User.Read"), Classification: "low"})
			return err
		},
		func() error { _, err := c.SearchUsers(ctx, "M"); return err },
		func() error { _, err := c.SearchGroups(ctx, "H"); return err },
		func() error {
			u, _ := ten.User(ten.EndUserUPN())
			_, err := c.GetUsers(ctx, []string{u.ID})
			return err
		},
		func() error { _, err := c.ListAppRoleAssignedTo(ctx, f.app.ID); return err },
		func() error { u, _ := ten.User(ten.AdminUPN()); _, err := c.UserDirectoryRoles(ctx, u.ID); return err },
		func() error {
			gs, err := c.SearchGroups(ctx, "Helpdesk")
			if err != nil || len(gs) == 0 {
				return fmt.Errorf("no Helpdesk group: %v", err)
			}
			_, err = c.GroupUsers(ctx, gs[0].ID, 20)
			return err
		},
		func() error { return c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindGrant, ID: grant.ID}) },
		func() error {
			return c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindAppRoleAssignment, ID: ara.ID, ParentID: gsp.ID})
		},
		func() error {
			return c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindClassification, ID: cls.ID, ParentID: gsp.ID})
		},
		func() error {
			return c.DeleteObject(ctx, graph.ObjectRef{Kind: graph.ObjectKindServicePrincipal, ID: arch.ID})
		},
		func() error { _, err := c.ListDelegatedAdminCustomers(ctx); return err },
		func() error { _, err := c.ListDelegatedAdminRelationships(ctx); return err },
		func() error { _, err := c.ListDelegatedAdminAccessAssignments(ctx, relID); return err },
		func() error { _, err := c.MyGroupIDs(ctx); return err },
		func() error { _, err := c.PartnerSnapshot(ctx); return err },
		func() error { _, err := c.SearchServicePrincipals(ctx, "Track"); return err },
		func() error {
			_, _, err := c.ListConsentFailures(ctx, time.Now().Add(-30*24*time.Hour), nil, 0)
			return err
		},
		func() error {
			s, err := c.ScanConsent(ctx, time.Now().Add(-30*24*time.Hour), nil, 0)
			if err == nil && (s.SignInsError != nil || s.RequestsError != nil || len(s.Requests) == 0) {
				err = fmt.Errorf("scan: %v, %v, %d requests", s.SignInsError, s.RequestsError, len(s.Requests))
			}
			return err
		},
		func() error { _, err := c.Snapshot(ctx, ten.AppID()); return err },
		func() error { _, err := c.Snapshot(ctx, sim.ArchiverAppID); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	return f.rec
}

func TestCapturedRequestsExistInSpecAndTable(t *testing.T) {
	spec := loadSpec(t)
	used := map[entra.Op]bool{}
	reqs := exerciseClient(t).requests()
	if len(reqs) < 30 {
		t.Fatalf("only %d requests captured", len(reqs))
	}
	for _, r := range reqs {
		if ok, _ := spec.specAllows(r.Method, r.Path); !ok {
			t.Errorf("the client sent %s %s, which is not in graph-subset.json", r.Method, r.Path)
		}
		matched := false
		for _, e := range entra.Endpoints() {
			if endpointMatches(e, r.Method, r.Path) {
				matched = true
				used[e.Op] = true
			}
		}
		if !matched {
			t.Errorf("the client sent %s %s, which is not in its endpoint table", r.Method, r.Path)
		}
	}
	for _, e := range entra.Endpoints() {
		if !used[e.Op] {
			t.Errorf("table entry %s (%s %s) was never exercised", e.Op, e.Method, e.Path)
		}
	}
}

// schemaOf maps the Go types to Graph schema names.
var schemaOf = map[string]string{
	"AuthorizationPolicy":               "graph.authorizationPolicy",
	"DefaultUserRolePermissions":        "graph.defaultUserRolePermissions",
	"AdminConsentRequestPolicy":         "graph.adminConsentRequestPolicy",
	"ReviewerScope":                     "graph.accessReviewReviewerScope",
	"PermissionGrantConditionSet":       "graph.permissionGrantConditionSet",
	"VerifiedPublisher":                 "graph.verifiedPublisher",
	"PermissionScope":                   "graph.permissionScope",
	"AppRole":                           "graph.appRole",
	"ServicePrincipal":                  "graph.servicePrincipal",
	"OAuth2PermissionGrant":             "graph.oAuth2PermissionGrant",
	"AppRoleAssignment":                 "graph.appRoleAssignment",
	"AppConsentRequest":                 "graph.appConsentRequest",
	"ConsentRequestScope":               "graph.appConsentRequestScope",
	"UserConsentRequest":                "graph.userConsentRequest",
	"IdentitySet":                       "graph.identitySet",
	"Identity":                          "graph.identity",
	"DelegatedPermissionClassification": "graph.delegatedPermissionClassification",
	"User":                              "graph.user",
	"Group":                             "graph.group",
	"DirectoryRole":                     "graph.directoryRole",
	"Organization":                      "graph.organization",
	"VerifiedDomain":                    "graph.verifiedDomain",
	"DelegatedAdminCustomer":            "graph.delegatedAdminCustomer",
	"DelegatedAdminRelationship":        "graph.delegatedAdminRelationship",
	"DelegatedAdminRelationshipCustomerParticipant": "graph.delegatedAdminRelationshipCustomerParticipant",
	"DelegatedAdminAccessDetails":                   "graph.delegatedAdminAccessDetails",
	"UnifiedRole":                                   "graph.unifiedRole",
	"DelegatedAdminAccessAssignment":                "graph.delegatedAdminAccessAssignment",
	"DelegatedAdminAccessContainer":                 "graph.delegatedAdminAccessContainer",
	"SignIn":                                        "graph.signIn",
	"SignInStatus":                                  "graph.signInStatus",
	"SignInLocation":                                "graph.signInLocation",
	"DeviceDetail":                                  "graph.deviceDetail",
	"AppliedConditionalAccessPolicy":                "graph.appliedConditionalAccessPolicy",
	"BatchRequest":                                  "graph.$batchRequestItem",
	"BatchResponse":                                 "graph.$batchResponseItem",
}

var typesOf = map[string]reflect.Type{}

func init() {
	for _, v := range []any{entra.AuthorizationPolicy{}, entra.DefaultUserRolePermissions{}, entra.AdminConsentRequestPolicy{}, entra.ReviewerScope{},
		entra.PermissionGrantConditionSet{}, entra.VerifiedPublisher{}, entra.PermissionScope{}, entra.AppRole{}, entra.ServicePrincipal{},
		entra.OAuth2PermissionGrant{}, entra.AppRoleAssignment{}, entra.AppConsentRequest{}, entra.ConsentRequestScope{}, entra.UserConsentRequest{},
		entra.IdentitySet{}, entra.Identity{}, entra.DelegatedPermissionClassification{}, entra.User{}, entra.Group{}, entra.DirectoryRole{}, entra.Organization{},
		entra.VerifiedDomain{}, entra.DelegatedAdminCustomer{}, entra.DelegatedAdminRelationship{},
		entra.DelegatedAdminRelationshipCustomerParticipant{}, entra.DelegatedAdminAccessDetails{}, entra.UnifiedRole{},
		entra.DelegatedAdminAccessAssignment{}, entra.DelegatedAdminAccessContainer{},
		entra.SignIn{}, entra.SignInStatus{}, entra.SignInLocation{}, entra.DeviceDetail{},
		entra.AppliedConditionalAccessPolicy{}, graph.BatchRequest{}, graph.BatchResponse{}} {
		t := reflect.TypeOf(v)
		typesOf[t.Name()] = t
	}
}

// lookupProperty finds name in schema or its bases; it returns the property's type.
func (s graphSpec) lookupProperty(schema, name string) (string, bool) {
	for seen := 0; schema != "" && seen < 10; seen++ {
		sc, ok := s.Schemas[schema]
		if !ok {
			return "", false
		}
		for k, v := range sc.Properties {
			if strings.TrimSuffix(k, "!") == name {
				return v, true
			}
		}
		for k, v := range sc.Nav {
			if strings.TrimSuffix(k, "!") == name {
				return strings.TrimSuffix(v, " (contained)"), true
			}
		}
		schema = sc.Base
	}
	return "", false
}

// compatible checks a Go field type against a spec type.
func (s graphSpec) compatible(goT reflect.Type, specT string) error {
	if goT == reflect.TypeOf(json.RawMessage{}) {
		if specT == "any" {
			return nil
		}
		return fmt.Errorf("json.RawMessage for %s", specT)
	}
	for goT.Kind() == reflect.Pointer {
		goT = goT.Elem()
	}
	if strings.HasPrefix(specT, "[") {
		if goT.Kind() != reflect.Slice {
			return fmt.Errorf("%s is a collection, Go has %s", specT, goT)
		}
		return s.compatible(goT.Elem(), strings.TrimSuffix(strings.TrimPrefix(specT, "["), "]"))
	}
	switch specT {
	case "Edm.String", "Edm.Guid", "Edm.DateTimeOffset", "Edm.Binary", "Edm.Duration", "Edm.TimeOfDay":
		if goT.Kind() == reflect.String {
			return nil
		}
	case "Edm.Boolean":
		if goT.Kind() == reflect.Bool {
			return nil
		}
	case "Edm.Int32", "Edm.Int64":
		switch goT.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			return nil
		}
	case "map<string,string>":
		if goT.Kind() == reflect.Map && goT.Key().Kind() == reflect.String && goT.Elem().Kind() == reflect.String {
			return nil
		}
	default:
		sc, ok := s.Schemas[specT]
		if !ok {
			return fmt.Errorf("unknown spec type %s", specT)
		}
		if len(sc.Enum) > 0 {
			if goT.Kind() == reflect.String {
				return nil
			}
			return fmt.Errorf("enum %s needs a string, Go has %s", specT, goT)
		}
		if goT.Kind() == reflect.Struct && schemaOf[goT.Name()] == specT {
			return nil
		}
	}
	return fmt.Errorf("spec type %s does not fit Go type %s", specT, goT)
}

func TestTypesMatchSchemas(t *testing.T) {
	spec := loadSpec(t)
	checked := 0
	for name, schema := range schemaOf {
		goT, ok := typesOf[name]
		if !ok {
			t.Errorf("no Go type %s registered", name)
			continue
		}
		if _, ok := spec.Schemas[schema]; !ok {
			t.Errorf("%s: schema %s not in the spec", name, schema)
			continue
		}
		for i := 0; i < goT.NumField(); i++ {
			fld := goT.Field(i)
			tag, _, _ := strings.Cut(fld.Tag.Get("json"), ",")
			if tag == "-" || !fld.IsExported() {
				continue
			}
			if tag == "" {
				t.Errorf("%s.%s has no json tag", name, fld.Name)
				continue
			}
			specT, ok := spec.lookupProperty(schema, tag)
			if !ok {
				t.Errorf("%s.%s: %q is not a property of %s or its base types", name, fld.Name, tag, schema)
				continue
			}
			if err := spec.compatible(fld.Type, specT); err != nil {
				t.Errorf("%s.%s (%q): %v", name, fld.Name, tag, err)
			}
			checked++
		}
	}
	if checked < 80 {
		t.Errorf("only %d fields checked", checked)
	}
	// Every struct in entra/types.go is mapped, so a new type cannot skip the check.
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filepath.Join("entra", "types.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if _, isStruct := ts.Type.(*ast.StructType); isStruct {
			if _, mapped := schemaOf[ts.Name.Name]; !mapped {
				t.Errorf("types.go struct %s has no schema mapping in schema_test.go", ts.Name.Name)
			}
		}
		return true
	})
	// The checker itself catches a wrong field.
	type bogus struct {
		AppID int    `json:"appId"`
		Nope  string `json:"publisherName"`
	}
	bt := reflect.TypeOf(bogus{})
	if p, ok := spec.lookupProperty("graph.servicePrincipal", "appId"); !ok || spec.compatible(bt.Field(0).Type, p) == nil {
		t.Errorf("int appId accepted")
	}
	if _, ok := spec.lookupProperty("graph.servicePrincipal", "publisherName"); ok {
		t.Errorf("beta-only publisherName found in v1.0")
	}
	if _, ok := spec.lookupProperty("graph.servicePrincipal", "id"); !ok {
		t.Errorf("id not found through directoryObject → entity")
	}
}

func TestSelectListsExistInSpec(t *testing.T) {
	spec := loadSpec(t)
	for schema, sel := range map[string]string{
		"graph.servicePrincipal": graph.SPSelect + "," + graph.GraphSPSelect + "," + graph.SPSearchSelect,
		"graph.organization":     graph.SelectOf[entra.Organization](),
		"graph.user":             graph.SelectOf[entra.User]() + "," + graph.UserNameSelect,
		"graph.group":            graph.SelectOf[entra.Group](),
		"graph.signIn":           graph.SignInSelect,
	} {
		for _, f := range strings.Split(sel, ",") {
			if _, ok := spec.lookupProperty(schema, f); !ok {
				t.Errorf("$select %s: %q is not a property of %s", sel, f, schema)
			}
		}
	}
}
