#!/bin/sh
# Installs retroboard-common and one service into the image's virtualenv, in the two
# steps the api's and the bridge's Dockerfiles share (run from /src):
#   install-service.sh dependencies SERVICE  the dependencies, from the project files only
#   install-service.sh source SERVICE        then the code, without touching them
# Two steps so Docker rebuilds the dependencies only when a project file changes.
set -eu
step=$1
service=$2
case "$step" in
    dependencies)
        # The redis package only when asked (--build-arg SOCKETIO_REDIS=true): the
        # default queue is MQTT, and SOCKETIO_MESSAGE_QUEUE=redis://… without it stops
        # with one line.
        case "${SOCKETIO_REDIS-}" in
            true) extras="[redis]" ;;
            false) extras="" ;;
            *) echo "SOCKETIO_REDIS must be true or false, got '${SOCKETIO_REDIS-}'" >&2; exit 1 ;;
        esac
        # setuptools needs the (still empty) src folders to read the project files.
        mkdir -p services/common/src "services/$service/src"
        pip install --no-cache-dir -c constraints.txt ./services/common "./services/$service$extras"
        ;;
    source)
        pip install --no-cache-dir --no-deps --force-reinstall ./services/common "./services/$service"
        ;;
    *)
        echo "usage: install-service.sh dependencies|source SERVICE" >&2
        exit 2
        ;;
esac
