package entra

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIError is a failed Graph call: HTTP status, Graph error code and message, and
// the request-id support needs to trace it.
type APIError struct {
	Status     int
	Code       string
	Message    string
	RequestID  string
	Method     string
	Path       string
	RetryAfter time.Duration // set on 429/503 when the service said so
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("graph %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request-id " + e.RequestID + ")"
	}
	return msg
}

// IsNotFound reports whether err is a Graph 404.
func IsNotFound(err error) bool { return statusIs(err, 404) }

// IsForbidden reports whether err is a Graph 403 (missing role or scope).
func IsForbidden(err error) bool { return statusIs(err, 403) }

// IsUnauthorized reports whether err is a Graph 401 (token missing, expired or wrong audience).
func IsUnauthorized(err error) bool { return statusIs(err, 401) }

// IsThrottled reports whether err is a 429 that survived the retries.
func IsThrottled(err error) bool { return statusIs(err, 429) }

// IsAlreadyExists reports whether err is Graph refusing a create because
// what it would make exists already: 409 Request_MultipleObjectsWithSameKeyValue
// (a service principal for the appId, a grant for the same client, resource
// and principal), or 400 "… already exists" (an app role assignment, a
// classification) — docs/entra.md A5, A6. Such an answer made nothing.
func IsAlreadyExists(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == 409 || ae.Status == 400 && strings.Contains(strings.ToLower(ae.Message), "already exists")
}

func statusIs(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}
