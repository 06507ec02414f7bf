# Where `cmake --install` (and so the .deb) puts each kind of file: the
# GNU directories for programs and man pages, and for completions the
# folders that Debian's bash-completion, zsh and fish load packaged
# completions from. Paths are relative to CMAKE_INSTALL_PREFIX, so
# --prefix /usr gives exactly Debian's folders and the default /usr/local
# gives their local twins.
include(GNUInstallDirs)

set(HLSWARM_INSTALL_BASH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE PATH "bash completions (bash-completion loads them on demand)")
set(HLSWARM_INSTALL_ZSH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE PATH "zsh completions (on Debian's default fpath)")
set(HLSWARM_INSTALL_FISH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
    CACHE PATH "fish completions")

# hlswarm_install_program(NAME) installs the program NAME with what
# documents it: man/NAME.1 and the completions completions/bash/NAME,
# completions/zsh/_NAME and completions/fish/NAME.fish, those that exist
# (tests/cli/NAME/docs.sh is what requires them). hlswarm_add_tool calls it,
# so a new program needs no install rule of its own; test helper programs
# never call it and are never installed.
function(hlswarm_install_program name)
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  set(top ${PROJECT_SOURCE_DIR})
  if(EXISTS ${top}/man/${name}.1)
    install(FILES ${top}/man/${name}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
  if(EXISTS ${top}/completions/bash/${name})
    install(FILES ${top}/completions/bash/${name}
            DESTINATION ${HLSWARM_INSTALL_BASH_COMPLETIONDIR})
  endif()
  if(EXISTS ${top}/completions/zsh/_${name})
    install(FILES ${top}/completions/zsh/_${name}
            DESTINATION ${HLSWARM_INSTALL_ZSH_COMPLETIONDIR})
  endif()
  if(EXISTS ${top}/completions/fish/${name}.fish)
    install(FILES ${top}/completions/fish/${name}.fish
            DESTINATION ${HLSWARM_INSTALL_FISH_COMPLETIONDIR})
  endif()
endfunction()

# The guides and the formats: man pages of section 7, which belong to no
# one program.
install(FILES man/hlswarm.7 man/hlswarm-live.7 man/hlswarm-vod.7
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
