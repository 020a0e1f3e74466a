# install.cmake - what `cmake --install` puts where, and the .deb that CPack
# builds from the same rules (cpack -G DEB in the build directory):
#   bin/      hirocli, hiro-metrics-export, hiro-channel-demo
#   share/man/man1/   a page per program, generated from its --help at build time
#   lib/systemd/system/   hirocli.service, hirocli@.service (ExecStart = this prefix's bin/)
#   share/bash-completion/completions/   hirocli, hiro-metrics-export
#   etc/logrotate.d/hirocli   (/etc/logrotate.d when the prefix is /usr)
#   share/doc/hirocli/   README.md, docs/*.md
include(GNUInstallDirs)
# Installing and packaging never build: `cmake --build` first. (CPack's
# preinstall step would otherwise rebuild whatever changed, under the feet of
# tests running the binaries.)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(HIRO_PROGRAMS hirocli hiro-channel-demo)
if(TARGET hiro-metrics-export)
  list(APPEND HIRO_PROGRAMS hiro-metrics-export)
endif()
install(TARGETS ${HIRO_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages from the programs' own --help (packaging/gen-man.py), so a page
# never documents an option the program does not have.
set(HIRO_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(HIRO_MAN_PAGES "")
foreach(prog ${HIRO_PROGRAMS})
  add_custom_command(
    OUTPUT ${HIRO_MAN_DIR}/${prog}.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${HIRO_MAN_DIR}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
            ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/packaging/gen-man.py
            $<TARGET_FILE:${prog}> ${PROJECT_VERSION} ${HIRO_MAN_DIR}/${prog}.1
    DEPENDS ${prog} ${CMAKE_SOURCE_DIR}/packaging/gen-man.py
    COMMENT "Generating the man page of ${prog} from its --help"
    VERBATIM)
  list(APPEND HIRO_MAN_PAGES ${HIRO_MAN_DIR}/${prog}.1)
endforeach()
add_custom_target(man ALL DEPENDS ${HIRO_MAN_PAGES})
install(FILES ${HIRO_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${CMAKE_SOURCE_DIR}/packaging/bash-completion/hirocli
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/bash-completion/hirocli
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME hiro-metrics-export)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")

# The units name the installed binary, and /usr installs its configuration in
# /etc: both depend on the prefix of the install (cmake --install --prefix,
# CPack's /usr), known only when the install runs.
install(CODE "
  set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
  if(prefix STREQUAL \"/usr\")
    set(etc /etc)
  else()
    set(etc \"\${prefix}/etc\")
  endif()
  set(HIRO_BINDIR \"\${prefix}/${CMAKE_INSTALL_BINDIR}\")
  foreach(unit hirocli.service hirocli@.service)
    configure_file(\"${CMAKE_SOURCE_DIR}/packaging/systemd/\${unit}.in\"
                   \"${CMAKE_BINARY_DIR}/systemd/\${unit}\" @ONLY)
    file(INSTALL \"${CMAKE_BINARY_DIR}/systemd/\${unit}\"
         DESTINATION \"\${prefix}/lib/systemd/system\")
  endforeach()
  file(INSTALL \"${CMAKE_SOURCE_DIR}/packaging/logrotate/hirocli\"
       DESTINATION \"\${etc}/logrotate.d\")
")

# --- the Debian package ---
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hirocli)
set(CPACK_PACKAGE_VENDOR "hirocli")
set(CPACK_PACKAGE_CONTACT "hirocli maintainers <maintainers@users.noreply.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "process-scoped metrics recorder with a REST API, dashboard and SQLite history")
set(CPACK_PACKAGE_DESCRIPTION
    "A workspace server that samples CPU, memory, disk and network for itself and the
channel plugins it runs, records every snapshot in SQLite with rollups, and serves
a REST API, a dashboard, Prometheus scrapes and CSV exports.")
# Installed with DESTDIR and prefix /usr, so that the install(CODE) above sees
# the real prefix (the units name /usr/bin/hirocli, logrotate goes to /etc).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # hirocli_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # libsqlite3-0, libmicrohttpd12, libcjson1, libc6
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "logrotate, sqlite3, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
