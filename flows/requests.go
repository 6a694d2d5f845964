package flows

import (
	"bytes"
	"consentwiz/graph/entra"
	"encoding/json"
	"strconv"
	"strings"
)

// What a planned write means: its before → after line, and the exact Graph
// request it sends.

// describe names a planned write as a before → after line.
func describe(s State, e Effect) Diff {
	var r FixRun // outside a fix run (a restore at start): nothing read yet
	if s.Run != nil {
		r = *s.Run
	}
	switch w := e.(type) {
	case PatchUserConsent:
		// Named as the admin center names it; the group/team entries the
		// write keeps are counted (the preview's note says they stay, and
		// the exact request is shown with the details).
		return Diff{Label: "User consent for apps", Before: policySummary(r.UserConsent.Original), After: policySummary(w.Policies)}
	case PutConsentRequestPolicy:
		before := "off"
		if r.Workflow.Original != nil {
			before = workflowText(*r.Workflow.Original)
		}
		return Diff{Label: "Users can request admin consent", Before: before, After: workflowText(w.Policy)}
	case CreateServicePrincipal:
		return Diff{Label: "Enterprise application for " + appName(s), Before: "not in your tenant", After: "added (app id " + w.AppID + ")"}
	case CreateGrant:
		return Diff{Label: "Admin consent for everyone (Microsoft Graph)", Before: "none", After: w.Grant.Scope}
	case UpdateGrantScope:
		return Diff{Label: "Admin consent for everyone (Microsoft Graph)", Before: w.Before, After: w.Scope}
	case CreateAppRoleAssignment:
		return Diff{Label: "Application permission " + w.RoleName, Before: "not granted", After: "granted"}
	case CreateClassification:
		return Diff{Label: "Classification of " + w.Classification.PermissionName, Before: "none", After: w.Classification.Classification + " impact"}
	case AssignPrincipal:
		return Diff{Label: "Access to " + appName(s) + " for " + w.Principal.Name + " (" + w.Principal.Kind + ")", Before: "not assigned", After: "assigned, role " + w.RoleName}
	case DeleteObject:
		return describeUndo(w)
	}
	return Diff{Label: "change"}
}

// newSPPlaceholder stands for the id of a service principal not created yet (dry run, preview).
const newSPPlaceholder = "{id of the new service principal}"

// spID is the app's service principal: the one in the tenant, or the one this run created.
func spID(s State) string {
	if s.Snap != nil && s.Snap.App != nil && s.Snap.App.ID != "" {
		return s.Snap.App.ID
	}
	if s.Run != nil {
		for _, c := range s.Run.Writes.Created {
			if c.Kind == ObjectServicePrincipal && c.ID != "" {
				return c.ID
			}
		}
	}
	return newSPPlaceholder
}

// bind fills in the ids a planned write depends on (the service principal created earlier).
func bind(s State, e Effect) Effect {
	switch w := e.(type) {
	case CreateGrant:
		if w.Grant.ClientID == "" {
			w.Grant.ClientID = spID(s)
		}
		return w
	case CreateAppRoleAssignment:
		if w.Assignment.PrincipalID == "" {
			w.Assignment.PrincipalID = spID(s)
		}
		return w
	}
	return e
}

// RequestFor returns the exact Graph request a write effect sends (method, path
// relative to the Graph root, JSON body), for dry runs and previews.
func RequestFor(e Effect) (RequestPreview, bool) {
	switch w := e.(type) {
	case PatchUserConsent:
		body := map[string]any{"defaultUserRolePermissions": map[string]any{"permissionGrantPoliciesAssigned": cloneNonNil(w.Policies)}}
		return RequestPreview{Method: "PATCH", Path: "/v1.0/policies/authorizationPolicy", Body: jsonText(body)}, true
	case PutConsentRequestPolicy:
		p := w.Policy
		p.ID, p.Version = "", 0
		if p.Reviewers == nil {
			p.Reviewers = []entra.ReviewerScope{}
		}
		return RequestPreview{Method: "PUT", Path: "/v1.0/policies/adminConsentRequestPolicy", Body: jsonText(p)}, true
	case CreateServicePrincipal:
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals", Body: jsonText(map[string]string{"appId": w.AppID})}, true
	case CreateGrant:
		g := w.Grant
		g.ID = ""
		return RequestPreview{Method: "POST", Path: "/v1.0/oauth2PermissionGrants", Body: jsonText(g)}, true
	case UpdateGrantScope:
		return RequestPreview{Method: "PATCH", Path: "/v1.0/oauth2PermissionGrants/" + w.GrantID, Body: jsonText(map[string]string{"scope": w.Scope})}, true
	case CreateAppRoleAssignment:
		a := w.Assignment
		body := map[string]string{"principalId": a.PrincipalID, "resourceId": a.ResourceID, "appRoleId": a.AppRoleID}
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals/" + a.ResourceID + "/appRoleAssignedTo", Body: jsonText(body)}, true
	case CreateClassification:
		c := w.Classification
		c.ID = ""
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals/" + w.ResourceID + "/delegatedPermissionClassifications", Body: jsonText(c)}, true
	case AssignPrincipal:
		a := w.Assignment
		body := map[string]string{"principalId": a.PrincipalID, "resourceId": a.ResourceID, "appRoleId": a.AppRoleID}
		return RequestPreview{Method: "POST", Path: "/v1.0/servicePrincipals/" + a.ResourceID + "/appRoleAssignedTo", Body: jsonText(body)}, true
	case DeleteObject:
		o := w.Object
		path := ""
		switch o.Kind {
		case ObjectServicePrincipal:
			path = "/v1.0/servicePrincipals/" + o.ID
		case ObjectGrant:
			path = "/v1.0/oauth2PermissionGrants/" + o.ID
		case ObjectAppRoleAssignment:
			path = "/v1.0/servicePrincipals/" + o.ParentID + "/appRoleAssignedTo/" + o.ID
		case ObjectClassification:
			path = "/v1.0/servicePrincipals/" + o.ParentID + "/delegatedPermissionClassifications/" + o.ID
		}
		return RequestPreview{Method: "DELETE", Path: path}, true
	}
	return RequestPreview{}, false
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// requestPolicyDiffs shows a PUT of the request policy field by field.
func requestPolicyDiffs(s State, n entra.AdminConsentRequestPolicy) []Diff {
	o := entra.AdminConsentRequestPolicy{}
	if s.Run.Workflow.Original != nil {
		o = *s.Run.Workflow.Original
	}
	return []Diff{
		{Label: "Users can request admin consent", Before: onOff(o.IsEnabled), After: onOff(n.IsEnabled)},
		{Label: "Reviewers", Before: reviewerList(s, o.Reviewers), After: reviewerList(s, n.Reviewers)},
		{Label: "Email reviewers", Before: onOff(o.NotifyReviewers), After: onOff(n.NotifyReviewers)},
		{Label: "Reminders", Before: onOff(o.RemindersEnabled), After: onOff(n.RemindersEnabled)},
		{Label: "Requests expire after (days)", Before: strconv.Itoa(o.RequestDurationInDays), After: strconv.Itoa(n.RequestDurationInDays)},
	}
}

// reviewerList names reviewer queries; a user or group chosen in this run is
// shown by name, not only by its id.
func reviewerList(s State, r []entra.ReviewerScope) string {
	if len(r) == 0 {
		return "none"
	}
	out := make([]string, 0, len(r))
	for _, x := range r {
		d := DescribeReviewer(x.Query)
		for _, c := range s.Run.Workflow.Reviewers {
			if c.Kind != ReviewerRole && c.ID != "" && c.Name != "" && strings.Contains(strings.ToLower(x.Query), strings.ToLower(c.ID)) {
				d = c.Name + " (" + d + ")"
				break
			}
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}
