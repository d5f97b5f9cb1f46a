/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Without libFuzzer (gcc builds), each target is a program that runs the
 * fuzz entry point over files and directories: the corpus becomes a
 * regression test in the unit suite. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path) {
        FILE *f = fopen(path, "rbe");
        uint8_t *buf;
        long n;

        if (!f)
                return -1;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(n > 0 ? (size_t) n : 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                fclose(f);
                free(buf);
                return -1;
        }
        fclose(f);
        (void) LLVMFuzzerTestOneInput(buf, (size_t) n);
        free(buf);
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (S_ISDIR(st.st_mode)) {
                        DIR *d = opendir(argv[i]);
                        struct dirent *de;

                        if (!d)
                                return 1;
                        while ((de = readdir(d))) {
                                char p[4096];
                                if (de->d_name[0] == '.')
                                        continue;
                                snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
                                if (run_file(p) < 0) {
                                        perror(p);
                                        closedir(d);
                                        return 1;
                                }
                                count++;
                        }
                        closedir(d);
                } else {
                        if (run_file(argv[i]) < 0) {
                                perror(argv[i]);
                                return 1;
                        }
                        count++;
                }
        }
        printf("%u inputs ran without a crash\n", count);
        return count > 0 ? 0 : 1;
}
