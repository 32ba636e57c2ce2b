# Builds BPF programs into skeleton headers.
#
#   nsfence_bpf_skeleton(NAME network SOURCE bpf/network.bpf.c)
#
# compiles the source with clang -target bpf (CO-RE, BTF), generates
# NAME.skel.h with `bpftool gen skeleton` and defines the INTERFACE target
# NAME_skel, which carries the header's include directory and links libbpf.

find_program(BPF_CLANG NAMES clang-14 clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(NSFENCE_BPF_ARCH x86)
  set(NSFENCE_VMLINUX_ARCH x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(NSFENCE_BPF_ARCH arm64)
  set(NSFENCE_VMLINUX_ARCH aarch64)
else()
  message(FATAL_ERROR "nsfence: no BPF target for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# vmlinux.h: from this kernel's BTF when it has one, else the checked-in copy.
set(NSFENCE_VMLINUX_DIR ${CMAKE_BINARY_DIR}/vmlinux)
set(NSFENCE_VMLINUX_H ${NSFENCE_VMLINUX_DIR}/vmlinux.h)
file(GLOB _nsfence_checked_in_vmlinux
     ${PROJECT_SOURCE_DIR}/bpf/vmlinux/${NSFENCE_VMLINUX_ARCH}/vmlinux-*.h)
if(EXISTS /sys/kernel/btf/vmlinux)
  add_custom_command(
    OUTPUT ${NSFENCE_VMLINUX_H}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NSFENCE_VMLINUX_DIR}
    COMMAND ${BPFTOOL} btf dump file /sys/kernel/btf/vmlinux format c > ${NSFENCE_VMLINUX_H}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${NSFENCE_VMLINUX_H}.tmp ${NSFENCE_VMLINUX_H}
    COMMENT "Generating vmlinux.h from /sys/kernel/btf/vmlinux"
    VERBATIM)
elseif(_nsfence_checked_in_vmlinux)
  list(SORT _nsfence_checked_in_vmlinux)
  list(GET _nsfence_checked_in_vmlinux -1 _nsfence_vmlinux_copy)
  message(STATUS "nsfence: no kernel BTF, using ${_nsfence_vmlinux_copy}")
  add_custom_command(
    OUTPUT ${NSFENCE_VMLINUX_H}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NSFENCE_VMLINUX_DIR}
    COMMAND ${CMAKE_COMMAND} -E copy ${_nsfence_vmlinux_copy} ${NSFENCE_VMLINUX_H}
    DEPENDS ${_nsfence_vmlinux_copy}
    VERBATIM)
else()
  message(FATAL_ERROR "nsfence: no /sys/kernel/btf/vmlinux and no checked-in "
                      "vmlinux header for ${NSFENCE_VMLINUX_ARCH}")
endif()
add_custom_target(nsfence_vmlinux DEPENDS ${NSFENCE_VMLINUX_H})

function(nsfence_bpf_skeleton)
  cmake_parse_arguments(ARG "" "NAME;SOURCE" "" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SOURCE)
    message(FATAL_ERROR "nsfence_bpf_skeleton: NAME and SOURCE are required")
  endif()

  set(out_dir ${CMAKE_BINARY_DIR}/bpf)
  set(object ${out_dir}/${ARG_NAME}.bpf.o)
  set(skeleton ${out_dir}/${ARG_NAME}.skel.h)
  get_filename_component(source ${ARG_SOURCE} ABSOLUTE)
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/bpf/lib/*.h ${PROJECT_SOURCE_DIR}/bpf/include/*.h)

  add_custom_command(
    OUTPUT ${object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${NSFENCE_BPF_ARCH}
            -Wall -Werror
            -I${NSFENCE_VMLINUX_DIR} -I${PROJECT_SOURCE_DIR}/bpf
            -I${PROJECT_SOURCE_DIR}/bpf/include ${LIBBPF_CFLAGS}
            -c ${source} -o ${object}
    DEPENDS ${source} ${headers} ${NSFENCE_VMLINUX_H}
    COMMENT "BPF ${ARG_NAME}: compiling ${ARG_SOURCE}"
    VERBATIM)

  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${BPFTOOL} gen skeleton ${object} name ${ARG_NAME}_bpf > ${skeleton}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skeleton}.tmp ${skeleton}
    DEPENDS ${object}
    COMMENT "BPF ${ARG_NAME}: generating skeleton"
    VERBATIM)

  add_custom_target(${ARG_NAME}_skel_gen DEPENDS ${skeleton})
  # vmlinux.h is generated in the top directory: a target dependency orders it
  # for skeletons declared in other directories too.
  add_dependencies(${ARG_NAME}_skel_gen nsfence_vmlinux)
  add_library(${ARG_NAME}_skel INTERFACE)
  add_dependencies(${ARG_NAME}_skel ${ARG_NAME}_skel_gen)
  # SYSTEM: generated code is not ours to lint.
  target_include_directories(${ARG_NAME}_skel SYSTEM INTERFACE ${out_dir})
  target_link_libraries(${ARG_NAME}_skel INTERFACE PkgConfig::LIBBPF elf z)
endfunction()
