//go:build tools

// Builder module: pins fake-gcs-server (the GCS emulator of the backend tests).
package tools

import _ "github.com/fsouza/fake-gcs-server"
