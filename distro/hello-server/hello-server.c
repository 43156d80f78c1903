/*
 * hello-server: a tiny HTTP/1.1 server for the lupine demo. It answers every request with a
 * short text page, one connection at a time, and exits cleanly on SIGTERM or SIGINT (it is
 * usually PID 1 in its container). Usage: hello-server [PORT] (default: $PORT, else 8080; 0 picks a
 * free port and prints it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
    (void) sig;
    stopping = 1;
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

static void serve(int client) {
    char req[4096];
    size_t got = 0;
    /* Read until the end of the request head (or the buffer is full). */
    while (got < sizeof req - 1) {
        ssize_t n = read(client, req + got, sizeof req - 1 - got);
        if (n <= 0) break;
        got += (size_t) n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) break;
    }
    req[got] = '\0';
    const char *body = "Hello from lupine!\n";
    int head_only = strncmp(req, "HEAD ", 5) == 0;
    char head[256];
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       strlen(body));
    if (write_all(client, head, (size_t) len) == 0 && !head_only) write_all(client, body, strlen(body));
}

int main(int argc, char **argv) {
    const char *port_text = argc > 1 ? argv[1] : getenv("PORT");
    long port = port_text ? strtol(port_text, NULL, 10) : 8080;
    if (port < 0 || port > 65535) {
        fprintf(stderr, "hello-server: bad port '%s'\n", port_text);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("hello-server: socket");
        return 1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((unsigned short) port);
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
        perror("hello-server: bind/listen");
        return 1;
    }
    /* Port 0 asks the kernel for a free port: print the one we got. */
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *) &addr, &len) == 0) port = ntohs(addr.sin_port);
    printf("hello-server: listening on port %ld\n", port);
    fflush(stdout);
    while (!stopping) {
        int client = accept(fd, NULL, NULL);
        if (client < 0) {
            if (errno == EINTR) continue;
            perror("hello-server: accept");
            return 1;
        }
        serve(client);
        close(client);
    }
    close(fd);
    printf("hello-server: stopped\n");
    return 0;
}
