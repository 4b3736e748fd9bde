package guard_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/keyward/keyward/guard"
)

// A service that accepts Keyward's access keys: clients sign their requests
// with SigV4 for service execute-api, and Keyward decides execute-api:Invoke
// on arn:aws:execute-api:{region}:{account}:pets/prod/{METHOD}/{path}.
func Example() {
	g, err := guard.New(context.Background(), guard.Config{
		Endpoint:        "/run/keyward/verify.sock", // keyward serve --verifier-socket
		AccessKeyID:     os.Getenv("GUARD_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("GUARD_SECRET_ACCESS_KEY"), // an identity allowed keyward:Verify
		APIID:           "pets",
		Stage:           "prod",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		caller, _ := guard.CallerFrom(r.Context())
		fmt.Fprintf(w, "pet %s, for %s\n", r.PathValue("id"), caller.UserName)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8081", g.Wrap(mux)))
}
