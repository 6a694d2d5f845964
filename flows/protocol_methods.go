package flows

// The methods that put effects in their classes: TenantEffect (names the
// tenant it acts on) and WriteEffect (changes it). The effects themselves are
// in protocol.go.

// Target implements TenantEffect.
func (e SignIn) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e FetchSnapshot) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e ReadAuthorizationPolicy) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e ReadConsentRequestPolicy) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e PatchUserConsent) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e PutConsentRequestPolicy) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e CreateServicePrincipal) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e CreateGrant) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e UpdateGrantScope) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e CreateAppRoleAssignment) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e CreateClassification) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e AssignPrincipal) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e ReadAssignments) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e ReadUsers) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e CheckReviewer) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e DeleteObject) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e SearchReviewers) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e PollGrant) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e PollRequests) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e SimulateUser) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e Scan) Target() TenantRef { return e.Tenant }

// Target implements TenantEffect.
func (e SearchApps) Target() TenantRef { return e.Tenant }

// Op implements WriteEffect.
func (PatchUserConsent) Op() WriteOp { return OpPatchUserConsent }

// Op implements WriteEffect.
func (PutConsentRequestPolicy) Op() WriteOp { return OpPutConsentRequestPolicy }

// Op implements WriteEffect.
func (CreateServicePrincipal) Op() WriteOp { return OpCreateServicePrincipal }

// Op implements WriteEffect.
func (CreateGrant) Op() WriteOp { return OpCreateGrant }

// Op implements WriteEffect.
func (UpdateGrantScope) Op() WriteOp { return OpUpdateGrantScope }

// Op implements WriteEffect.
func (CreateAppRoleAssignment) Op() WriteOp { return OpCreateAppRoleAssignment }

// Op implements WriteEffect.
func (CreateClassification) Op() WriteOp { return OpCreateClassification }

// Op implements WriteEffect.
func (AssignPrincipal) Op() WriteOp { return OpAssignPrincipal }

// Op implements WriteEffect.
func (DeleteObject) Op() WriteOp { return OpDeleteObject }

// IsWrite reports whether e changes the tenant.
func IsWrite(e Effect) bool {
	_, ok := e.(WriteEffect)
	return ok
}
