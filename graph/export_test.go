package graph

// Internals the external tests (package graph_test) check against the Graph
// schema: the $select lists and how a request path is cut from its query.
var (
	PathOnly       = pathOnly
	SPSelect       = spSelect
	GraphSPSelect  = graphSPSelect
	SignInSelect   = signInSelect
	SPSearchSelect = spSearchSelect
	UserNameSelect = userNameSelect
)

// SelectOf is the $select the client sends for T.
func SelectOf[T any]() string { return selectOf[T]() }
