using Geranos.Cli;

namespace Geranos.Tests.Cli;

public sealed class RepositoriesFileTests
{
    [Fact]
    public void Blank_lines_comments_and_spaces_are_ignored()
    {
        string[] lines = ["# the mirror list", "", "  pause  ", "kube-apiserver # control plane", "   ", "#etcd", "coredns/coredns"];

        Assert.Equal(["pause", "kube-apiserver", "coredns/coredns"], RepositoriesFile.Read(lines));
    }
}
