// Package sdkhttp is the HTTP client Keyward's AWS SDK clients send through.
//
// The SDK (smithy-go) closes a request's body as soon as the response's
// headers arrive, and its closed body answers WriteTo with io.EOF.
// net/http, having written the body straight to the connection, reads it
// once more to check that nothing is left; when a fast server has already
// answered, that read meets the closed body, net/http takes the io.EOF for
// a failed write and closes the connection, and the response's body, being
// read at that moment, fails with "use of closed network connection". The
// server closed nothing. Handing net/http an in-memory copy of each body
// takes the SDK's close out of its way.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// maxCopy bounds the bodies copied: IAM's, STS's and CloudTrail's requests
// are at most a few hundred KiB. Larger or unknown-length bodies (streams)
// are sent as they are.
const maxCopy = 16 << 20

type client struct{ next aws.HTTPClient }

// Wrap returns an HTTP client that sends through next (the SDK's default
// client when nil) with each request's body copied into memory first.
func Wrap(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return client{next: next}
}

func (c client) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength < 0 || r.ContentLength > maxCopy {
		return c.next.Do(r)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
	if err != nil {
		return nil, err
	}
	body := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	copied := r.Clone(r.Context())
	copied.Body, _ = body()
	copied.GetBody = body
	copied.ContentLength = int64(len(b))
	return c.next.Do(copied)
}
