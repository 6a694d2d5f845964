package graph

import (
	"consentwiz/graph/entra"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// spSelect is the $select of the service principal fields ServicePrincipal reads.
var spSelect = selectOf[entra.ServicePrincipal]()

// graphSPSelect is what a diagnosis needs of Microsoft Graph's own service principal.
const graphSPSelect = "id,appId,displayName,oauth2PermissionScopes,appRoles"

// searchLimit is how many users or groups a search returns at most.
const searchLimit = 50

// Organization returns the signed-in user's tenant (GET /organization).
func (c *Client) Organization(ctx context.Context) (entra.Organization, error) {
	orgs, err := listAll[entra.Organization](ctx, c, entra.OpGetOrganization, nil,
		[]param{{"$select", selectOf[entra.Organization]()}}, 1)
	if err != nil {
		return entra.Organization{}, err
	}
	if len(orgs) == 0 {
		return entra.Organization{}, fmt.Errorf("graph GET /organization: %w: no organization", ErrMalformedResponse)
	}
	return orgs[0], nil
}

// Me returns the signed-in user (GET /me).
func (c *Client) Me(ctx context.Context) (entra.User, error) {
	var u entra.User
	err := c.call(ctx, entra.OpGetMe, nil, []param{{"$select", selectOf[entra.User]()}}, nil, &u)
	return u, err
}

// memberOfItem is one directoryObject of /me/transitiveMemberOf.
type memberOfItem struct {
	ODataType string `json:"@odata.type"`
	entra.DirectoryRole
}

const directoryRoleType = "#microsoft.graph.directoryRole"

// MyDirectoryRoles returns the signed-in user's activated directory roles
// (GET /me/transitiveMemberOf, keeping the #microsoft.graph.directoryRole items:
// roles held through a role-assignable group count too, docs/entra.md A7).
func (c *Client) MyDirectoryRoles(ctx context.Context) ([]entra.DirectoryRole, error) {
	items, err := listAll[memberOfItem](ctx, c, entra.OpListMyRoles, nil, nil, 0)
	if err != nil {
		return nil, err
	}
	return rolesOf(items), nil
}

func rolesOf(items []memberOfItem) []entra.DirectoryRole {
	var roles []entra.DirectoryRole
	for _, it := range items {
		if strings.EqualFold(it.ODataType, directoryRoleType) {
			roles = append(roles, it.DirectoryRole)
		}
	}
	return roles
}

// GetAuthorizationPolicy reads the user-consent setting (docs/entra.md A1).
func (c *Client) GetAuthorizationPolicy(ctx context.Context) (entra.AuthorizationPolicy, error) {
	var p entra.AuthorizationPolicy
	err := c.call(ctx, entra.OpGetAuthorizationPolicy, nil, nil, nil, &p)
	return p, err
}

// UpdateUserConsentPolicies PATCHes permissionGrantPoliciesAssigned with exactly
// the array given (nil sends [], "user consent disabled"). Callers keep any
// ManagePermissionGrantsForOwnedResource.* entries themselves (docs/entra.md A1).
func (c *Client) UpdateUserConsentPolicies(ctx context.Context, assigned []string) error {
	if assigned == nil {
		assigned = []string{}
	}
	body := map[string]any{
		"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": assigned},
	}
	return c.call(ctx, entra.OpUpdateUserConsentPolicies, nil, nil, body, nil)
}

// GetConsentRequestPolicy reads the admin consent workflow settings (docs/entra.md A3).
func (c *Client) GetConsentRequestPolicy(ctx context.Context) (entra.AdminConsentRequestPolicy, error) {
	var p entra.AdminConsentRequestPolicy
	err := c.call(ctx, entra.OpGetConsentRequestPolicy, nil, nil, nil, &p)
	return p, err
}

// consentRequestPolicyBody is the PUT body: the full object without read-only id and version.
type consentRequestPolicyBody struct {
	IsEnabled             bool                  `json:"isEnabled"`
	NotifyReviewers       bool                  `json:"notifyReviewers"`
	RemindersEnabled      bool                  `json:"remindersEnabled"`
	RequestDurationInDays int                   `json:"requestDurationInDays"`
	Reviewers             []entra.ReviewerScope `json:"reviewers"`
}

// PutConsentRequestPolicy replaces the admin consent workflow settings (PUT, full
// object; docs/entra.md A3). id and version are read-only and not sent.
func (c *Client) PutConsentRequestPolicy(ctx context.Context, p entra.AdminConsentRequestPolicy) error {
	body := consentRequestPolicyBody{
		IsEnabled:             p.IsEnabled,
		NotifyReviewers:       p.NotifyReviewers,
		RemindersEnabled:      p.RemindersEnabled,
		RequestDurationInDays: p.RequestDurationInDays,
		Reviewers:             p.Reviewers,
	}
	if body.Reviewers == nil {
		body.Reviewers = []entra.ReviewerScope{}
	}
	return c.call(ctx, entra.OpPutConsentRequestPolicy, nil, nil, body, nil)
}

// GetPermissionGrantPolicyIncludes lists the includes of permission grant policy id.
func (c *Client) GetPermissionGrantPolicyIncludes(ctx context.Context, id string) ([]entra.PermissionGrantConditionSet, error) {
	return listAll[entra.PermissionGrantConditionSet](ctx, c, entra.OpListPolicyIncludes, []string{id}, nil, 0)
}

// GetPermissionGrantPolicyExcludes lists the excludes of permission grant policy id.
func (c *Client) GetPermissionGrantPolicyExcludes(ctx context.Context, id string) ([]entra.PermissionGrantConditionSet, error) {
	return listAll[entra.PermissionGrantConditionSet](ctx, c, entra.OpListPolicyExcludes, []string{id}, nil, 0)
}

func appIDFilter(appID string) (param, error) {
	if !entra.IsGUID(appID) {
		return param{}, fmt.Errorf("%w: app id %q is not a GUID", ErrInvalidArgument, appID)
	}
	return param{"$filter", "appId eq " + odataString(appID)}, nil
}

// GetServicePrincipalByAppID returns the app's service principal in this tenant,
// or nil, nil when the app is new to the tenant.
func (c *Client) GetServicePrincipalByAppID(ctx context.Context, appID string) (*entra.ServicePrincipal, error) {
	return c.spByAppID(ctx, entra.OpGetServicePrincipalByAppID, appID, spSelect)
}

func (c *Client) spByAppID(ctx context.Context, op entra.Op, appID, sel string) (*entra.ServicePrincipal, error) {
	f, err := appIDFilter(appID)
	if err != nil {
		return nil, err
	}
	sps, err := listAll[entra.ServicePrincipal](ctx, c, op, nil, []param{f, {"$select", sel}}, 1)
	if err != nil || len(sps) == 0 {
		return nil, err
	}
	return &sps[0], nil
}

// GetGraphServicePrincipal returns Microsoft Graph's own service principal with
// its delegated scopes (type User/Admin) and app roles.
func (c *Client) GetGraphServicePrincipal(ctx context.Context) (entra.ServicePrincipal, error) {
	sp, err := c.spByAppID(ctx, entra.OpGetGraphServicePrincipal, entra.MicrosoftGraphAppID, graphSPSelect)
	if err != nil {
		return entra.ServicePrincipal{}, err
	}
	if sp == nil {
		return entra.ServicePrincipal{}, &entra.APIError{Status: 404, Code: "Request_ResourceNotFound",
			Message: "Microsoft Graph has no service principal in this tenant", Method: "GET", Path: "/servicePrincipals"}
	}
	return *sp, nil
}

// CreateServicePrincipal creates the service principal of a multitenant app (docs/entra.md A5).
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string) (*entra.ServicePrincipal, error) {
	if !entra.IsGUID(appID) {
		return nil, fmt.Errorf("%w: app id %q is not a GUID", ErrInvalidArgument, appID)
	}
	var sp entra.ServicePrincipal
	if err := c.call(ctx, entra.OpCreateServicePrincipal, nil, nil, map[string]string{"appId": appID}, &sp); err != nil {
		return nil, err
	}
	return &sp, nil
}

// ListGrants lists the delegated grants whose client is the service principal clientSpID.
func (c *Client) ListGrants(ctx context.Context, clientSpID string) ([]entra.OAuth2PermissionGrant, error) {
	if clientSpID == "" {
		return nil, fmt.Errorf("%w: empty client id", ErrInvalidArgument)
	}
	return listAll[entra.OAuth2PermissionGrant](ctx, c, entra.OpListGrants, nil,
		[]param{{"$filter", "clientId eq " + odataString(clientSpID)}}, 0)
}

// grantBody is what POST /oauth2PermissionGrants accepts.
type grantBody struct {
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId,omitempty"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// CreateGrant creates a delegated permission grant (AllPrincipals, or Principal with PrincipalID).
func (c *Client) CreateGrant(ctx context.Context, g entra.OAuth2PermissionGrant) (*entra.OAuth2PermissionGrant, error) {
	body := grantBody{ClientID: g.ClientID, ConsentType: g.ConsentType, ResourceID: g.ResourceID, Scope: g.Scope}
	if strings.EqualFold(g.ConsentType, "Principal") {
		body.PrincipalID = g.PrincipalID
	}
	var out entra.OAuth2PermissionGrant
	if err := c.call(ctx, entra.OpCreateGrant, nil, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateGrantScope sets the space-separated scope of grant id (PATCH).
func (c *Client) UpdateGrantScope(ctx context.Context, id, scope string) error {
	return c.call(ctx, entra.OpUpdateGrantScope, []string{id}, nil, map[string]string{"scope": scope}, nil)
}

// ListAppRoleAssignments lists the app roles granted to service principal spID.
func (c *Client) ListAppRoleAssignments(ctx context.Context, spID string) ([]entra.AppRoleAssignment, error) {
	return listAll[entra.AppRoleAssignment](ctx, c, entra.OpListAppRoleAssignments, []string{spID}, nil, 0)
}

// ListAppRoleAssignedTo lists who is assigned to the app spID: its users,
// groups and service principals (docs/entra.md A6).
func (c *Client) ListAppRoleAssignedTo(ctx context.Context, spID string) ([]entra.AppRoleAssignment, error) {
	return listAll[entra.AppRoleAssignment](ctx, c, entra.OpListAppRoleAssignedTo, []string{spID}, nil, 0)
}

// UserDirectoryRoles returns user userID's activated directory roles, held
// directly or through a role-assignable group (docs/entra.md A7).
func (c *Client) UserDirectoryRoles(ctx context.Context, userID string) ([]entra.DirectoryRole, error) {
	items, err := listAll[memberOfItem](ctx, c, entra.OpListUserRoles, []string{userID}, nil, 0)
	if err != nil {
		return nil, err
	}
	return rolesOf(items), nil
}

// groupMemberItem is one directoryObject of /groups/{id}/members.
type groupMemberItem struct {
	ODataType string `json:"@odata.type"`
	entra.User
}

// GroupUsers returns up to max users who are direct members of group groupID.
func (c *Client) GroupUsers(ctx context.Context, groupID string, max int) ([]entra.User, error) {
	items, err := listAll[groupMemberItem](ctx, c, entra.OpListGroupMembers, []string{groupID}, []param{{"$top", fmt.Sprint(max)}}, max)
	if err != nil {
		return nil, err
	}
	var out []entra.User
	for _, it := range items {
		if strings.EqualFold(it.ODataType, "#microsoft.graph.user") {
			out = append(out, it.User)
		}
	}
	return out, nil
}

type appRoleAssignmentBody struct {
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	AppRoleID   string `json:"appRoleId"`
}

// CreateAppRoleAssignment grants an app role of resource resourceSpID
// (POST /servicePrincipals/{resourceSpID}/appRoleAssignedTo). Only principalId,
// resourceId and appRoleId are sent; resourceId defaults to resourceSpID.
func (c *Client) CreateAppRoleAssignment(ctx context.Context, resourceSpID string, a entra.AppRoleAssignment) (*entra.AppRoleAssignment, error) {
	body := appRoleAssignmentBody{PrincipalID: a.PrincipalID, ResourceID: a.ResourceID, AppRoleID: a.AppRoleID}
	if body.ResourceID == "" {
		body.ResourceID = resourceSpID
	}
	var out entra.AppRoleAssignment
	if err := c.call(ctx, entra.OpCreateAppRoleAssignment, []string{resourceSpID}, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListConsentRequests lists the admin consent requests for appID.
func (c *Client) ListConsentRequests(ctx context.Context, appID string) ([]entra.AppConsentRequest, error) {
	f, err := appIDFilter(appID)
	if err != nil {
		return nil, err
	}
	return listAll[entra.AppConsentRequest](ctx, c, entra.OpListConsentRequests, nil, []param{f}, 0)
}

var inProgressFilter = param{"$filter", "status eq 'InProgress'"}

// ListPendingUserRequests lists the in-progress user requests of consent request requestID.
func (c *Client) ListPendingUserRequests(ctx context.Context, requestID string) ([]entra.UserConsentRequest, error) {
	return listAll[entra.UserConsentRequest](ctx, c, entra.OpListPendingUserRequests, []string{requestID}, []param{inProgressFilter}, 0)
}

// ListClassifications lists the delegated permission classifications of resource resourceSpID.
func (c *Client) ListClassifications(ctx context.Context, resourceSpID string) ([]entra.DelegatedPermissionClassification, error) {
	return listAll[entra.DelegatedPermissionClassification](ctx, c, entra.OpListClassifications, []string{resourceSpID}, nil, 0)
}

type classificationBody struct {
	PermissionID   string `json:"permissionId"`
	PermissionName string `json:"permissionName,omitempty"`
	Classification string `json:"classification"`
}

// CreateClassification classifies one delegated permission of resource resourceSpID (docs/entra.md A5).
func (c *Client) CreateClassification(ctx context.Context, resourceSpID string, cl entra.DelegatedPermissionClassification) (*entra.DelegatedPermissionClassification, error) {
	body := classificationBody{PermissionID: cl.PermissionID, PermissionName: cl.PermissionName, Classification: cl.Classification}
	var out entra.DelegatedPermissionClassification
	if err := c.call(ctx, entra.OpCreateClassification, []string{resourceSpID}, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// searchPrefix checks a display-name prefix typed by the admin.
func searchPrefix(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > 256 {
		return "", fmt.Errorf("%w: search text must be 1 to 256 characters", ErrInvalidArgument)
	}
	for _, r := range q {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: search text has control characters", ErrInvalidArgument)
		}
	}
	return q, nil
}

// SearchUsers returns up to 50 users whose display name, user principal
// name or email address starts with q: a name's start, or a whole address
// (an exact match is a match of its start). startsWith on these three
// properties, joined with or, is a default query of /users, without the
// advanced query parameters (docs/entra.md A9).
func (c *Client) SearchUsers(ctx context.Context, q string) ([]entra.User, error) {
	q, err := searchPrefix(q)
	if err != nil {
		return nil, err
	}
	v := odataString(q)
	return listAll[entra.User](ctx, c, entra.OpSearchUsers, nil, []param{
		{"$filter", "startswith(displayName," + v + ") or startswith(userPrincipalName," + v + ") or startswith(mail," + v + ")"},
		{"$select", selectOf[entra.User]()},
		{"$top", fmt.Sprint(searchLimit)},
	}, searchLimit)
}

// SearchGroups returns up to 50 groups whose display name or email address
// starts with q (docs/entra.md A9).
func (c *Client) SearchGroups(ctx context.Context, q string) ([]entra.Group, error) {
	q, err := searchPrefix(q)
	if err != nil {
		return nil, err
	}
	v := odataString(q)
	return listAll[entra.Group](ctx, c, entra.OpSearchGroups, nil, []param{
		{"$filter", "startswith(displayName," + v + ") or startswith(mail," + v + ")"},
		{"$select", selectOf[entra.Group]()},
		{"$top", fmt.Sprint(searchLimit)},
	}, searchLimit)
}

// userNameSelect is what GetUsers reads of a user: enough to name them.
const userNameSelect = "id,displayName,userPrincipalName"

// GetUsers reads the users with object ids ids, to name them: one $batch
// round trip of GET /users/{id}, for the first MaxBatchSize ids (the rest
// are not read). A user not found (404) is left out; other failures of an
// item are an error only when no user could be read at all.
func (c *Client) GetUsers(ctx context.Context, ids []string) ([]entra.User, error) {
	ids = ids[:min(len(ids), MaxBatchSize)]
	ep := entra.EndpointFor(entra.OpGetUser)
	items := make([]BatchRequest, 0, len(ids))
	var failed error
	for i, id := range ids {
		rel, err := relURL(ep, []string{id}, []param{{"$select", userNameSelect}})
		if err != nil {
			failed = err // an id Graph would not give: that user stays unnamed
			continue
		}
		items = append(items, BatchRequest{ID: strconv.Itoa(i), Method: ep.Method, URL: rel, Scopes: ep.Scopes})
	}
	resps, err := c.Batch(ctx, items)
	if err != nil {
		return nil, err
	}
	var users []entra.User
	for k, r := range resps {
		var u entra.User
		switch {
		case r.Status == http.StatusNotFound:
		case !r.OK():
			failed = r.Err(ep.Method, items[k].URL)
		default:
			if err := r.Decode(&u); err != nil {
				failed = err
				continue
			}
			users = append(users, u)
		}
	}
	if len(users) == 0 && failed != nil {
		return nil, failed
	}
	return users, nil
}

// Kinds of ObjectRef: the objects a fix can create and undo deletes.
const (
	ObjectKindServicePrincipal  = "servicePrincipal"
	ObjectKindGrant             = "oauth2PermissionGrant"
	ObjectKindAppRoleAssignment = "appRoleAssignment"
	ObjectKindClassification    = "delegatedPermissionClassification"
)

// ObjectRef names a directory object to delete. ParentID is the resource service
// principal for app role assignments and classifications.
type ObjectRef struct {
	Kind     string
	ID       string
	ParentID string
}

// DeleteOp returns the operation that deletes objects of ref's kind (for its scope).
func (ref ObjectRef) DeleteOp() (entra.Op, error) {
	switch ref.Kind {
	case ObjectKindServicePrincipal:
		return entra.OpDeleteServicePrincipal, nil
	case ObjectKindGrant:
		return entra.OpDeleteGrant, nil
	case ObjectKindAppRoleAssignment:
		return entra.OpDeleteAppRoleAssignment, nil
	case ObjectKindClassification:
		return entra.OpDeleteClassification, nil
	}
	return "", fmt.Errorf("%w: unknown object kind %q", ErrInvalidArgument, ref.Kind)
}

// DeleteObject deletes an object a fix created (undo). A 404 counts as success:
// the object is already gone (for example a retried DELETE whose first try worked).
func (c *Client) DeleteObject(ctx context.Context, ref ObjectRef) error {
	op, err := ref.DeleteOp()
	if err != nil {
		return err
	}
	args := []string{ref.ID}
	if op == entra.OpDeleteAppRoleAssignment || op == entra.OpDeleteClassification {
		if ref.ParentID == "" {
			return fmt.Errorf("%w: deleting a %s needs the resource service principal id", ErrInvalidArgument, ref.Kind)
		}
		args = []string{ref.ParentID, ref.ID}
	}
	err = c.call(ctx, op, args, nil, nil, nil)
	if entra.IsNotFound(err) {
		return nil
	}
	return err
}
