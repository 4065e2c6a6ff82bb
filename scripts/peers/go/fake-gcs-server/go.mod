module stowage.local/peers/fake-gcs-server

go 1.25.8

require github.com/fsouza/fake-gcs-server v1.55.1
